"""Sentiment lexicons: tab-separated word/score files; provenance in each header."""
