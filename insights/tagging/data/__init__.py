"""Data files of the tagger: rules.toml and lexicons/ (a package so wheels ship them)."""
