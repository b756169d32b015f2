"""Revenue retention: MRR over time, its movements, GRR/NRR, CLTV by plan, order value.

- `mrr`: the one definition of a customer's MRR at a moment; everything else reads it;
- `movements`: new, expansion, contraction, churned and reactivation MRR of a period,
  GRR, NRR, revenue churn rate, and the customers behind the churned MRR;
- `plans`: CLTV by plan; `orders`: average order value and purchase frequency;
- `report`: all of it for one period, and its JSON keys.

Submodules are imported by name (`from insights.revenue.mrr import ...`): `insights.metrics`
reads MRR from `mrr`, and `movements` reads `Period` from `insights.metrics`.
"""
