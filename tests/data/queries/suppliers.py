"""The embedded-store twin of suppliers.cypher: same rows from the NetworkX graph."""

from dealgraph.graph.dates import deal_in_force

SCOPE = {"entity": 1}  # only the entity's own deals and their parties are needed


def networkx(g, params):
    found = {}
    for _, deal, data in g.out_edges(params["entity"], data=True):
        if data.get("type") != "PARTY_TO" or data.get("role") != "customer":
            continue
        if not deal_in_force(g.nodes[deal], params["as_of"]):
            continue
        for supplier, _, rel in g.in_edges(deal, data=True):
            if rel.get("type") == "PARTY_TO" and rel.get("role") == "supplier":
                found.setdefault(supplier, set()).add(deal)
    return [{"supplier": s, "name": g.nodes[s].get("name"), "deals": len(deals)}
            for s, deals in found.items() if len(deals) >= params["min_deals"]]
