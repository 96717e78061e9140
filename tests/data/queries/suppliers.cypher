// name: suppliers
// question: Who supplies the entity, in how many deals?
// param: entity entity The firm whose suppliers to list.
// param: min_deals int default=1 min=1 max=100 Fewest deals to count.
// columns: supplier, name, deals
// sort: -deals, supplier
MATCH (e:Entity {id: $entity})-[:PARTY_TO {role: 'customer'}]->(d:Deal)
      <-[:PARTY_TO {role: 'supplier'}]-(s:Entity)
WHERE ($as_of IS NULL OR ((d.announced IS NULL OR d.announced <= $as_of) AND (d.end IS NULL OR d.end >= $as_of OR $as_of STARTS WITH d.end)))
WITH s, count(DISTINCT d) AS deals
WHERE deals >= $min_deals
RETURN s.id AS supplier, s.name AS name, deals
