/* dealgraph map page: draws the network with vis-network and wires search, filters,
 * the as-of slider and the details panel. All text from data reaches the DOM through
 * textContent or attribute setters, never innerHTML; links are http(s) only.
 * window.dealgraphReady becomes true once the network is drawn (and settled). */
(function () {
  "use strict";

  window.dealgraphReady = false;

  function readJSON(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  var meta = readJSON("dg-meta");
  var nodeItems = readJSON("dg-nodes");
  var edgeItems = readJSON("dg-edges");
  var options = readJSON("dg-options");
  var records = meta.records;
  var sources = meta.sources;
  var DEAL = meta.dealLabel;

  var nodeById = {};
  nodeItems.forEach(function (n) { nodeById[n.id] = n; });
  var edgeById = {};
  edgeItems.forEach(function (e) { edgeById[e.id] = e; });
  var edgesOfDeal = {};
  edgeItems.forEach(function (e) {
    if (e.deal) { (edgesOfDeal[e.deal] = edgesOfDeal[e.deal] || []).push(e.id); }
  });
  var citers = {};
  edgeItems.forEach(function (e) {
    if (e.rel === "CITES") { (citers[e.to] = citers[e.to] || []).push(e.from); }
  });

  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var container = document.getElementById("dg-network");
  var network = new vis.Network(container, {}, options);

  // -- readiness ------------------------------------------------------------------
  function ready() {
    window.dealgraphReadyAt = performance.now();
    window.dealgraphReady = true;
    document.body.setAttribute("data-ready", "true");
  }
  if (meta.physics) {
    // settle once, then freeze: the layout stops moving and dragging stays cheap
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.once("afterDrawing", ready);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", ready);
  }
  network.setData({ nodes: nodes, edges: edges });

  // -- small DOM helpers --------------------------------------------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\/[^\s]+$/i.test(u) ? u : "";
  }
  function nameOf(id) {
    if (records[id]) { return records[id].n; }
    if (sources[id]) { return sources[id].t; }
    return id;
  }

  // -- details panel ----------------------------------------------------------------
  var details = document.getElementById("dg-details");
  var pinned = null;   // {kind: "node"|"edge", id}

  function sourceList(ids) {
    var ul = el("ul", null, "dg-sources");
    ids.forEach(function (sid) {
      var s = sources[sid];
      if (!s) { return; }
      var li = el("li");
      var url = safeUrl(s.u);
      var a;
      if (url) {
        a = el("a", s.t);
        a.setAttribute("href", url);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
      } else {
        a = el("span", s.t);
      }
      li.appendChild(a);
      var extra = [s.p, s.d].filter(Boolean).join(", ");
      if (extra) { li.appendChild(el("span", " — " + extra, "dg-muted")); }
      ul.appendChild(li);
    });
    return ul;
  }

  function rowsTable(rows) {
    var table = el("table", null, "dg-rows");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", r[0]));
      tr.appendChild(el("td", r[1]));
      table.appendChild(tr);
    });
    return table;
  }

  function linkList(links) {
    var ul = el("ul", null, "dg-links");
    links.forEach(function (l) {
      var li = el("li");
      var b = el("button", l[1], "dg-link");
      b.type = "button";
      b.setAttribute("data-id", l[0]);
      b.addEventListener("click", function () { jumpTo(l[0]); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    return ul;
  }

  function recordSection(id, frag) {
    var r = records[id];
    if (!r) {
      var s = sources[id];
      if (s) {
        frag.appendChild(el("h2", s.t, "dg-name"));
        frag.appendChild(el("p", "Source", "dg-type"));
        frag.appendChild(sourceList([id]));
      }
      return;
    }
    frag.appendChild(el("h2", r.n, "dg-name"));
    var type = r.t === DEAL ? "Deal" : r.t;
    var badge = el("p", type, "dg-type");
    if (r.a && r.a.length) { badge.appendChild(el("span", " · also " + r.a.join(", "), "dg-muted")); }
    frag.appendChild(badge);
    frag.appendChild(rowsTable(r.rows));
    if (r.links && r.links.length) {
      frag.appendChild(el("h3", r.t === DEAL ? "Parties" : "Deals"));
      frag.appendChild(linkList(r.links));
    }
    if (r.src && r.src.length) {
      frag.appendChild(el("h3", "Sources"));
      frag.appendChild(sourceList(r.src));
    }
  }

  function showDetails(kind, id) {
    var frag = document.createDocumentFragment();
    if (kind === "node") {
      recordSection(id, frag);
    } else {
      var e = edgeById[id];
      if (!e) { return; }
      var head = el("p", null, "dg-edge");
      head.appendChild(el("strong", nameOf(e.from)));
      var what = e.rel === "PARTY_TO" ? (e.deal ? " and " : " is " + (e.role || "party").replace(/_/g, " ") + " in ")
        : " " + e.rel.toLowerCase().replace(/_/g, " ") + " ";
      head.appendChild(document.createTextNode(what));
      head.appendChild(el("strong", nameOf(e.to)));
      frag.appendChild(head);
      if (e.deal && e.role) {
        frag.appendChild(rowsTable([[nameOf(e.from), (e.role || "").replace(/_/g, " ")],
                                    [nameOf(e.to), (e.role2 || "").replace(/_/g, " ")]]));
      }
      if (e.note) { frag.appendChild(rowsTable([["note", e.note]])); }
      var dealId = e.deal || (records[e.to] && records[e.to].t === DEAL ? e.to : null);
      if (dealId) { recordSection(dealId, frag); }
    }
    details.replaceChildren(frag);
    details.setAttribute("data-showing", kind + ":" + id);
  }

  function clearDetails() {
    var p = el("p", "Hover or click a node or an edge for its details; search above jumps to a name.", "dg-hint");
    details.replaceChildren(p);
    details.removeAttribute("data-showing");
  }

  network.on("hoverNode", function (p) { if (!pinned) { showDetails("node", p.node); } });
  network.on("hoverEdge", function (p) { if (!pinned) { showDetails("edge", p.edge); } });
  network.on("blurNode", function () { if (!pinned) { clearDetails(); } });
  network.on("blurEdge", function () { if (!pinned) { clearDetails(); } });
  network.on("click", function (p) {
    if (p.nodes.length) {
      pinned = { kind: "node", id: p.nodes[0] };
    } else if (p.edges.length) {
      pinned = { kind: "edge", id: p.edges[0] };
    } else {
      pinned = null;
      window.dgHighlighted = null;
      clearDetails();
      return;
    }
    showDetails(pinned.kind, pinned.id);
  });

  // -- search -----------------------------------------------------------------------
  var searchIndex = nodeItems.map(function (n) {
    var r = records[n.id];
    var names = [nameOf(n.id)].concat(r && r.a ? r.a : []).concat([n.id]);
    return { id: n.id, keys: names.map(function (s) { return String(s).toLowerCase(); }) };
  });

  function search(text) {
    var q = String(text || "").trim().toLowerCase();
    if (!q) { return []; }
    var prefix = [], inner = [];
    for (var i = 0; i < searchIndex.length; i++) {
      var item = searchIndex[i];
      if (nodes.get(item.id).hidden) { continue; }
      var best = -1;
      for (var j = 0; j < item.keys.length; j++) {
        var at = item.keys[j].indexOf(q);
        if (at === 0) { best = 0; break; }
        if (at > 0) { best = 1; }
      }
      if (best === 0) { prefix.push(item.id); } else if (best === 1) { inner.push(item.id); }
      if (prefix.length >= 12) { break; }
    }
    return prefix.concat(inner).slice(0, 12);
  }

  function focusNode(id) {
    if (!nodeById[id]) { return false; }
    network.selectNodes([id], true);
    network.focus(id, { scale: Math.max(network.getScale(), meta.physics ? 1.1 : 1.4),
                        animation: { duration: 300, easingFunction: "easeInOutQuad" } });
    pinned = { kind: "node", id: id };
    window.dgHighlighted = id;
    showDetails("node", id);
    return true;
  }

  function jumpTo(id) {
    if (nodeById[id]) { return focusNode(id); }
    // a deal drawn as edges (counterparties view): select its edges, show the deal
    var ids = edgesOfDeal[id] || [];
    network.selectEdges(ids);
    pinned = { kind: "node", id: id };
    window.dgHighlighted = id;
    showDetails("node", id);
    return ids.length > 0;
  }

  var input = document.getElementById("dg-search");
  var results = document.getElementById("dg-results");
  function showResults() {
    var hits = search(input.value);
    var frag = document.createDocumentFragment();
    hits.forEach(function (id) {
      var li = el("li");
      var b = el("button", nameOf(id), "dg-hit");
      b.type = "button";
      b.setAttribute("data-id", id);
      var r = records[id];
      b.appendChild(el("span", " " + (r ? r.t : "Source"), "dg-muted"));
      b.addEventListener("click", function () { results.hidden = true; focusNode(id); });
      li.appendChild(b);
      frag.appendChild(li);
    });
    if (!hits.length && input.value.trim()) { frag.appendChild(el("li", "no match", "dg-muted")); }
    results.replaceChildren(frag);
    results.hidden = !input.value.trim();
    return hits;
  }
  input.addEventListener("input", showResults);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var hits = search(input.value);
      if (hits.length) { results.hidden = true; focusNode(hits[0]); }
    } else if (ev.key === "Escape") {
      results.hidden = true;
    }
  });

  // -- filters ------------------------------------------------------------------------
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][data-filter]"));
  var asOfOn = document.getElementById("dg-asof-on");
  var asOfRange = document.getElementById("dg-asof");
  var asOfLabel = document.getElementById("dg-asof-label");
  var countEl = document.getElementById("dg-count");

  function selected(name) {
    var all = true, set = {};
    boxes.forEach(function (b) {
      if (b.getAttribute("data-filter") !== name) { return; }
      if (b.checked) { set[b.value] = true; } else { all = false; }
    });
    return { all: all, has: function (v) { return all || set[v === undefined || v === null ? "" : v] === true; } };
  }

  function asOf() {
    if (!asOfOn || !asOfOn.checked) { return null; }
    return meta.months[Number(asOfRange.value)][1];
  }

  function applyFilters() {
    var types = selected("type"), kinds = selected("kind"), statuses = selected("status"),
      countries = selected("country"), day = asOf();
    var dealFilter = !kinds.all || !statuses.all || !countries.all || day !== null;
    var dealPass = {};
    Object.keys(records).forEach(function (id) {
      var r = records[id];
      if (r.t !== DEAL) { return; }
      var ok = kinds.has(r.k) && statuses.has(r.s);
      if (ok && day !== null) {
        if (r.af && r.af > day) { ok = false; }
        if (r.ec && r.ec < day) { ok = false; }
      }
      if (ok && !countries.all) {
        ok = (r.p || []).some(function (m) { return records[m] && countries.has(records[m].c); });
      }
      dealPass[id] = ok;
    });
    var visible = {};
    Object.keys(records).forEach(function (id) {
      var r = records[id];
      if (r.t === DEAL) { return; }
      var ok = types.has(r.t);
      if (ok && dealFilter) {
        ok = (r.links || []).some(function (l) { return dealPass[l[0]]; });
      }
      visible[id] = ok;
    });
    var dealShown = {};
    Object.keys(dealPass).forEach(function (id) {
      dealShown[id] = dealPass[id] && types.has(DEAL) &&
        (records[id].p || []).some(function (m) { return visible[m]; });
      visible[id] = dealShown[id];
    });
    var nodeChanges = [], shown = 0;
    nodeItems.forEach(function (n) {
      var ok;
      if (visible.hasOwnProperty(n.id)) {
        ok = visible[n.id];
      } else {  // a source node
        ok = types.has(n.group) && (citers[n.id] || []).some(function (c) { return visible[c]; });
        visible[n.id] = ok;
      }
      if (ok) { shown++; }
      if (!!n.hidden !== !ok) { n.hidden = !ok; nodeChanges.push({ id: n.id, hidden: !ok }); }
    });
    var edgeChanges = [];
    edgeItems.forEach(function (e) {
      var ok = visible[e.from] && visible[e.to] && (!e.deal || dealShown[e.deal]);
      if (!!e.hidden !== !ok) { e.hidden = !ok; edgeChanges.push({ id: e.id, hidden: !ok }); }
    });
    if (nodeChanges.length) { nodes.update(nodeChanges); }
    if (edgeChanges.length) { edges.update(edgeChanges); }
    countEl.textContent = shown + " of " + nodeItems.length;
    window.dgShown = shown;
    return shown;
  }

  boxes.forEach(function (b) { b.addEventListener("change", applyFilters); });
  Array.prototype.forEach.call(document.querySelectorAll("button.dg-all, button.dg-none"), function (btn) {
    btn.addEventListener("click", function () {
      var name = btn.getAttribute("data-filter"), on = btn.classList.contains("dg-all");
      boxes.forEach(function (b) { if (b.getAttribute("data-filter") === name) { b.checked = on; } });
      applyFilters();
    });
  });
  if (asOfOn) {
    asOfOn.addEventListener("change", function () {
      asOfRange.disabled = !asOfOn.checked;
      applyFilters();
    });
    asOfRange.addEventListener("input", function () {
      asOfLabel.textContent = meta.months[Number(asOfRange.value)][1];
      applyFilters();
    });
  }
  document.getElementById("dg-fit").addEventListener("click", function () {
    network.fit({ animation: { duration: 300 } });
  });
  document.getElementById("dg-reset").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = true; });
    if (asOfOn) { asOfOn.checked = false; asOfRange.disabled = true; }
    applyFilters();
  });

  // for tests and the console
  window.dgNetwork = network;
  window.dg = {
    network: network, nodes: nodes, edges: edges, search: search, focus: focusNode,
    jumpTo: jumpTo, applyFilters: applyFilters,
    visibleNodeIds: function () {
      return nodes.getIds({ filter: function (n) { return !n.hidden; } });
    }
  };
})();
