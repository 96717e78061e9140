// name: deal-count
// question: How many deals of each kind are in force?
// columns: kind, deals
// sort: -deals, kind
// A user query without a Python twin: its Cypher runs on both stores.
MATCH (d:Deal)
WHERE ($as_of IS NULL OR ((d.announced IS NULL OR d.announced <= $as_of) AND (d.end IS NULL OR d.end >= $as_of OR $as_of STARTS WITH d.end)))
RETURN d.kind AS kind, count(d) AS deals
