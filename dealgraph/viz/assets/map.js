/* dealgraph map page: draws the network with vis-network and wires the overview
 * clusters, the deals/counterparties switch, search, filters, the date range, paths,
 * expansion of outside deals, the details panel, and PNG/SVG/positions export.
 * All text from data reaches the DOM through textContent or attribute setters, never
 * innerHTML; links are http(s) only. window.dealgraphReady becomes true once the
 * network is drawn (and settled).
 *
 * The page keeps every node and edge of the file in plain arrays and puts in vis'
 * DataSets only what is drawn: closed clusters stand for their members, so filters
 * at 50,000 nodes touch a few hundred drawn items. */
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
  var countryNames = meta.countries || {};
  var view = meta.view;

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
  var dealsOf = {};   // entity -> deals (on the map and in the ring)
  Object.keys(records).forEach(function (id) {
    var r = records[id];
    if (r.t === DEAL) {
      (r.p || []).forEach(function (m) { (dealsOf[m] = dealsOf[m] || []).push(id); });
    }
  });

  // clusters of the overview
  var clusters = meta.clusters || [];
  var clusterOf = {};
  clusters.forEach(function (c, i) { c.m.forEach(function (m) { clusterOf[m] = i; }); });
  var openCl = {};
  var TOP_LINKS = 6;
  // edges by cluster: a filter redraws only edges of open clusters and edges outside
  // clusters; edges between two closed clusters are counted once, per view
  var freeEdges = [], edgesOfCluster = {}, clusterLinks = { d: {}, c: {} };
  edgeItems.forEach(function (e) {
    var ca = clusterOf[e.from], cb = clusterOf[e.to];
    if (ca === undefined || cb === undefined) { freeEdges.push(e); return; }
    (edgesOfCluster[ca] = edgesOfCluster[ca] || []).push(e);
    if (cb !== ca) {
      (edgesOfCluster[cb] = edgesOfCluster[cb] || []).push(e);
      var key = ca < cb ? ca + "|" + cb : cb + "|" + ca;
      ["d", "c"].forEach(function (v) {
        if (!e.v || e.v === v) { clusterLinks[v][key] = (clusterLinks[v][key] || 0) + 1; }
      });
    }
  });
  // the overview draws each cluster's strongest links only (a hairball of thousands of
  // thin lines says nothing and slows every redraw)
  ["d", "c"].forEach(function (v) {
    var byCluster = {}, keep = {};
    Object.keys(clusterLinks[v]).forEach(function (key) {
      key.split("|").forEach(function (c) { (byCluster[c] = byCluster[c] || []).push(key); });
    });
    Object.keys(byCluster).forEach(function (c) {
      byCluster[c].sort(function (x, y) { return clusterLinks[v][y] - clusterLinks[v][x]; })
        .slice(0, TOP_LINKS).forEach(function (key) { keep[key] = clusterLinks[v][key]; });
    });
    clusterLinks[v] = keep;
  });
  var dealIds = [], entityIds = [];
  Object.keys(records).forEach(function (id) { (records[id].t === DEAL ? dealIds : entityIds).push(id); });
  var revealed = {};   // ring nodes shown by an expansion
  var expanded = {};
  var pinned = {};
  (meta.pinned || []).forEach(function (id) { pinned[id] = true; });

  options.groups = options.groups || {};
  options.groups["dg-cluster"] = {
    shape: "dot", color: { background: "#c9d6e3", border: "#5b7083",
                           highlight: { background: "#dbe5ef", border: "#111111" },
                           hover: { background: "#dbe5ef", border: "#111111" } },
    borderWidth: 2, font: { size: 15, color: "#1d2b38", strokeWidth: 5, strokeColor: "#ffffff",
                            multi: false }
  };

  var nodes = new vis.DataSet([]);
  var edges = new vis.DataSet([]);
  var container = document.getElementById("dg-network");
  var network = new vis.Network(container, {}, options);

  // -- small DOM helpers --------------------------------------------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function button(text, cls, onClick) {
    var b = el("button", text, cls);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\/[^\s]+$/i.test(u) ? u : "";
  }
  function nameOf(id) {
    if (records[id]) { return records[id].n; }
    if (sources[id]) { return sources[id].t; }
    if (String(id).indexOf("cluster:") === 0) { return "cluster"; }
    return id;
  }
  function human(s) { return String(s || "").replace(/_/g, " "); }
  function countryText(code) {
    if (!code) { return ""; }
    return countryNames[code] ? countryNames[code] + " (" + code + ")" : code;
  }
  function isDeal(id) { return records[id] && records[id].t === DEAL; }

  // -- filters: what passes -------------------------------------------------------------
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][data-filter]"));
  var fromRange = document.getElementById("dg-from");
  var toRange = document.getElementById("dg-to");
  var fromLabel = document.getElementById("dg-from-label");
  var toLabel = document.getElementById("dg-to-label");
  var undatedBox = document.getElementById("dg-undated");
  var countEl = document.getElementById("dg-count");
  var months = meta.months || [];

  function selected(name) {
    var all = true, set = {};
    boxes.forEach(function (b) {
      if (b.getAttribute("data-filter") !== name) { return; }
      if (b.checked) { set[b.value] = true; } else { all = false; }
    });
    return { all: all, has: function (v) { return all || set[v === undefined || v === null ? "" : v] === true; } };
  }

  function range() {
    if (!fromRange) { return null; }
    var a = Number(fromRange.value), b = Number(toRange.value);
    if (a === 0 && b === months.length - 1) { return null; }
    return { from: months[Math.min(a, b)][0] + "-01", to: months[Math.max(a, b)][1] };
  }


  // integer indexes: the filters run over typed arrays, not objects with 50,000 keys
  var index = {}, N = 0;
  nodeItems.forEach(function (n) { index[n.id] = N++; });
  Object.keys(records).forEach(function (id) { if (!index.hasOwnProperty(id)) { index[id] = N++; } });
  var dealIx = dealIds.map(function (id) { return index[id]; });
  var entityIx = entityIds.map(function (id) { return index[id]; });
  var partiesIx = dealIds.map(function (id) { return (records[id].p || []).map(function (m) { return index[m]; }); });
  var dealsIx = entityIds.map(function (id) { return (dealsOf[id] || []).map(function (d) { return index[d]; }); });
  var visArr = new Uint8Array(N), shownArr = new Uint8Array(N), passArr = new Uint8Array(N);
  function isVisible(id) { var i = index[id]; return i !== undefined && visArr[i] === 1; }
  function isShownDeal(id) { var i = index[id]; return i !== undefined && shownArr[i] === 1; }
  nodeItems.forEach(function (n) { n.dgIx = index[n.id]; n.dgCl = clusterOf[n.id]; n.dgDeal = isDeal(n.id); });

  function computeVisible() {
    var types = selected("type"), kinds = selected("kind"), statuses = selected("status"),
      countries = selected("country"), span = range(),
      undated = undatedBox ? undatedBox.checked : true;
    var dealFilter = !kinds.all || !statuses.all || !countries.all || span !== null || !undated;
    var i, j, id, r, ok, list;
    var countryOk = new Uint8Array(N);
    if (!countries.all) {
      for (i = 0; i < entityIds.length; i++) {
        // an entity in several countries passes when any of them is selected
        var cs = records[entityIds[i]].c;
        countryOk[entityIx[i]] = (cs && cs.length ? cs : [""]).some(function (x) {
          return countries.has(x);
        }) ? 1 : 0;
      }
    }
    passArr.fill(0);
    for (i = 0; i < dealIds.length; i++) {
      id = dealIds[i]; r = records[id];
      ok = !r.r || revealed[id];
      if (ok && dealFilter) {
        ok = kinds.has(r.k) && statuses.has(r.s);
        if (ok) {
          if (!r.sd && !r.ed) {
            ok = undated;
          } else if (span !== null) {
            var day = r.sd || r.ed;   // when it was announced (or took effect)
            ok = day >= span.from && day <= span.to;
          }
        }
        if (ok && !countries.all) {
          ok = false;
          list = partiesIx[i];
          for (j = 0; j < list.length; j++) { if (countryOk[list[j]]) { ok = true; break; } }
        }
      }
      if (ok) { passArr[dealIx[i]] = 1; }
    }
    visArr.fill(0);
    shownArr.fill(0);
    for (i = 0; i < entityIds.length; i++) {
      ok = types.has(records[entityIds[i]].t);
      if (ok && dealFilter) {
        ok = false;
        list = dealsIx[i];
        for (j = 0; j < list.length; j++) { if (passArr[list[j]]) { ok = true; break; } }
      }
      if (ok) { visArr[entityIx[i]] = 1; }
    }
    var dealType = view !== "deals" || types.has(DEAL);
    for (i = 0; i < dealIds.length; i++) {
      ok = passArr[dealIx[i]] && dealType;
      if (ok) {
        ok = false;
        list = partiesIx[i];
        for (j = 0; j < list.length; j++) { if (visArr[list[j]]) { ok = true; break; } }
      }
      if (ok) { visArr[dealIx[i]] = 1; shownArr[dealIx[i]] = 1; }
    }
    for (i = 0; i < nodeItems.length; i++) {
      var n = nodeItems[i];
      if (!records[n.id]) {  // a source node
        ok = types.has(n.group) && (citers[n.id] || []).some(function (c) { return isVisible(c); });
        visArr[n.dgIx] = ok ? 1 : 0;
      }
    }
  }

  function eligible(n) {
    if (n.r && !revealed[n.id]) { return false; }
    if (view !== "deals" && n.dgDeal) { return false; }
    return true;
  }

  // -- drawing: what the DataSets hold ---------------------------------------------------
  var dim = null;        // null, or {id: true} of what stays bright
  var ends = {};         // start/end marks of a path

  function clusterItem(i, count) {
    var c = clusters[i];
    return { id: "cluster:" + i, label: c.label, group: "dg-cluster", size: c.size,
             x: c.x, y: c.y, title: undefined, dgCount: count };
  }

  function place(n) {
    if (n.x !== undefined) { return; }
    // a node without a position (a deal after a view switch, a ring node): beside its
    // neighbours that have one
    var near = isDeal(n.id) ? records[n.id].p : dealsOf[n.id] || [];
    var xs = 0, ys = 0, k = 0;
    (near || []).forEach(function (m) {
      var o = nodeById[m];
      if (o && o.x !== undefined) { xs += o.x; ys += o.y; k++; }
    });
    if (k) {   // between its parties, nudged off the straight line by a stable amount
      var h = 0;
      for (var i = 0; i < n.id.length; i++) { h = (h * 31 + n.id.charCodeAt(i)) % 997; }
      n.x = xs / k + (h % 41) - 20;
      n.y = ys / k + ((h * 7) % 41) - 20;
    }
  }

  function styled(item) {
    var out = Object.assign({}, item);
    if (ends[item.id]) {
      out.borderWidth = 5;
      out.color = { border: "#111111", background: ends[item.id] === "start" ? "#2e9e4f" : "#c0392b" };
      out.label = (ends[item.id] === "start" ? "start: " : "end: ") + item.label;
      out.font = { size: 20, strokeWidth: 5 };
    }
    if (pinned[item.id]) { out.fixed = true; }
    if (dim && !dim[item.id]) {
      out.opacity = 0.15;
      out.font = { color: "rgba(80,80,80,0.25)", strokeColor: "rgba(255,255,255,0.2)" };
    }
    return out;
  }

  function edgeStyled(item) {
    if (!dim) { return item; }
    var bright = dim[item.from] && dim[item.to] && (!item.deal || dim[item.deal]);
    if (bright) {   // a path's edges stand out; a selection's keep their width
      return pathState ? Object.assign({}, item, { width: (item.width || 1.2) + 2 }) : item;
    }
    var c = Object.assign({}, item.color || {});
    c.opacity = 0.07;
    return Object.assign({}, item, { color: c, font: { color: "rgba(0,0,0,0)" } });
  }

  var renderStamp = 0, zoomQueued = false;
  var drawnNodes = {};   // id -> item as last given to the DataSet
  var drawnEdges = {};

  function render() {
    var vkey = view === "deals" ? "d" : "c";
    var want = {}, clusterCount = {}, shown = 0, total = 0;
    nodeItems.forEach(function (n) {
      if (!eligible(n)) { return; }
      if (!n.r || revealed[n.id]) { total++; }
      if (!visArr[n.dgIx]) { return; }
      shown++;
      var c = n.dgCl;
      if (c !== undefined && !openCl[c]) {
        clusterCount[c] = (clusterCount[c] || 0) + 1;
        return;
      }
      place(n);
      want[n.id] = n;
    });
    Object.keys(clusterCount).forEach(function (c) {
      want["cluster:" + c] = clusterItem(Number(c), clusterCount[c]);
    });
    function end(id) {
      if (want[id] && !(String(id).indexOf("cluster:") === 0)) { return id; }
      var c = clusterOf[id];
      if (c !== undefined && !openCl[c] && want["cluster:" + c] && isVisible(id)) { return "cluster:" + c; }
      return null;
    }
    var wantEdges = {}, agg = {}, stamp = ++renderStamp;
    function consider(e) {
      if (e.dgStamp === stamp) { return; }
      e.dgStamp = stamp;
      if (e.v && e.v !== vkey) { return; }
      if (e.deal && !isShownDeal(e.deal)) { return; }
      var a = end(e.from), b = end(e.to);
      if (a === null || b === null) { return; }
      if (a === e.from && b === e.to) { wantEdges[e.id] = e; return; }
      if (a === b) { return; }
      var key = a < b ? a + "|" + b : b + "|" + a;
      agg[key] = (agg[key] || 0) + 1;
    }
    freeEdges.forEach(consider);
    Object.keys(openCl).forEach(function (c) { (edgesOfCluster[c] || []).forEach(consider); });
    var links = clusterLinks[vkey];
    Object.keys(links).forEach(function (key) {
      var p = key.split("|"), a = "cluster:" + p[0], b = "cluster:" + p[1];
      if (want[a] && want[b]) { agg[a < b ? a + "|" + b : b + "|" + a] = links[key]; }
    });
    Object.keys(agg).forEach(function (key) {
      var p = key.split("|"), k = agg[key];
      wantEdges["agg:" + key] = { id: "agg:" + key, from: p[0], to: p[1], dgCount: k,
        width: Math.min(1 + Math.log2(k), 8), color: { color: "#8ea0b2", opacity: 0.5 } };
    });
    // save the positions of what leaves the canvas, then apply the difference
    var gone = Object.keys(drawnNodes).filter(function (id) { return !want[id]; });
    if (gone.length) {
      var pos = network.getPositions(gone.filter(function (id) { return nodeById[id]; }));
      Object.keys(pos).forEach(function (id) { nodeById[id].x = pos[id].x; nodeById[id].y = pos[id].y; });
    }
    var addN = [], updN = [];
    Object.keys(want).forEach(function (id) {
      var item = styled(want[id]);
      var before = drawnNodes[id];
      if (!before) { addN.push(item); } else if (!sameLook(before, item)) {
        var upd = { id: id, opacity: item.opacity === undefined ? 1 : item.opacity,
                    font: item.font || null, color: item.color || null,
                    borderWidth: item.borderWidth || null, label: item.label,
                    fixed: !!item.fixed };
        if (before.size !== item.size) { upd.size = item.size; }
        updN.push(upd);
      }
      drawnNodes[id] = item;
    });
    gone.forEach(function (id) { delete drawnNodes[id]; });
    var goneE = Object.keys(drawnEdges).filter(function (id) { return !wantEdges[id]; });
    var addE = [], updE = [];
    Object.keys(wantEdges).forEach(function (id) {
      var item = edgeStyled(wantEdges[id]);
      var before = drawnEdges[id];
      if (!before) { addE.push(item); } else if (before !== item && !sameEdge(before, item)) {
        updE.push(Object.assign({ font: null, color: null, width: null }, item));
      }
      drawnEdges[id] = item;
    });
    goneE.forEach(function (id) { delete drawnEdges[id]; });
    if (goneE.length) { edges.remove(goneE); }
    if (gone.length) { nodes.remove(gone); }
    if (addN.length) { nodes.add(addN); }
    if (updN.length) { nodes.update(updN); }
    if (addE.length) { edges.add(addE); }
    if (updE.length) { edges.update(updE); }
    if (countEl) { countEl.textContent = shown + " of " + total; }
    if (clusters.length && addN.length && !zoomQueued && window.dealgraphReady) {
      zoomQueued = true;
      window.requestAnimationFrame(clusterFonts);
    }
    window.dgShown = shown;
    return shown;
  }
  function sameLook(a, b) {
    return a.opacity === b.opacity && a.label === b.label && a.borderWidth === b.borderWidth &&
      a.fixed === b.fixed && a.size === b.size && JSON.stringify(a.font) === JSON.stringify(b.font);
  }
  function sameEdge(a, b) {
    return a.width === b.width && a.dgCount === b.dgCount &&
      JSON.stringify(a.color) === JSON.stringify(b.color);
  }

  // -- readiness ------------------------------------------------------------------------
  function ready() {
    window.dealgraphReadyAt = performance.now();
    window.dealgraphReady = true;
    document.body.setAttribute("data-ready", "true");
    if (meta.ends && meta.ends.length === 2) { showPaths(meta.ends[0], meta.ends[1]); }
  }
  computeVisible();
  render();
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

  // cluster labels: a readable size at every zoom, biggest clusters first, and a label
  // only where it does not cover one already placed
  function clusterFonts() {
    zoomQueued = false;
    if (!clusters.length) { return; }
    var scale = network.getScale();
    var ids = nodes.getIds({ filter: function (n) { return n.group === "dg-cluster"; } });
    ids.sort(function (a, b) { return clusters[b.slice(8)].m.length - clusters[a.slice(8)].m.length || (a < b ? -1 : 1); });
    var pos = network.getPositions(ids), placed = [], upd = [], shownLabels = 0;
    ids.forEach(function (id) {   // the discs themselves are obstacles too
      var p = network.canvasToDOM(pos[id]), r = clusters[id.slice(8)].size * scale;
      placed.push({ l: p.x - r, r: p.x + r, t: p.y - r, b: p.y + r });
    });
    ids.forEach(function (id) {
      var c = clusters[id.slice(8)], lines = c.label.split("\n");
      var p = network.canvasToDOM(pos[id]);
      var w = 7.2 * Math.max.apply(null, lines.map(function (l) { return l.length; }));
      var h = 17 * lines.length, top = p.y + c.size * scale + 2;
      var box = { l: p.x - w / 2 - 4, r: p.x + w / 2 + 4, t: top, b: top + h };
      var free = placed.every(function (q) { return box.r < q.l || box.l > q.r || box.b < q.t || box.t > q.b; });
      if (free) { placed.push(box); shownLabels++; }
      upd.push({ id: id, font: { size: free ? 13 / scale : 0.01 } });
    });
    nodes.update(upd);
    document.body.setAttribute("data-cluster-labels", shownLabels);
  }
  // the biggest dealers in view keep a readable label at every zoom (placed biggest
  // first, each only where it covers no label already placed); the rest follow
  // vis-network's size rule and appear as you zoom in
  var boosted = {};
  function importantLabels() {
    var scale = network.getScale(), upd = [];
    var ids = [];
    if (scale < 0.7) {
      var box = container.getBoundingClientRect();
      ids = Object.keys(drawnNodes).filter(function (id) {
        return drawnNodes[id].value !== undefined && !(dim && !dim[id]);
      });
      var pos = network.getPositions(ids);
      ids = ids.filter(function (id) {
        var p = network.canvasToDOM(pos[id]);
        return p.x > 0 && p.y > 0 && p.x < box.width && p.y < box.height;
      }).sort(function (a, b) { return drawnNodes[b].value - drawnNodes[a].value; }).slice(0, 80);
      var placed = [], keep = [];
      ids.forEach(function (id) {
        var p = network.canvasToDOM(pos[id]), label = String(drawnNodes[id].label || "");
        var r = (network.body.nodes[id] ? network.body.nodes[id].options.size : 10) * scale;
        var w = 7.4 * label.length, t = p.y + r + 1;
        var b = { l: p.x - w / 2 - 3, r: p.x + w / 2 + 3, t: t, b: t + 17 };
        if (placed.every(function (q) { return b.r < q.l || b.l > q.r || b.b < q.t || b.t > q.b; })) {
          placed.push(b);
          keep.push(id);
        }
      });
      ids = keep;
    }
    var now = {};
    ids.forEach(function (id) {
      now[id] = true;
      upd.push({ id: id, scaling: { label: { enabled: false } }, font: { size: 13 / scale } });
    });
    Object.keys(boosted).forEach(function (id) {
      if (!now[id] && drawnNodes[id]) {
        upd.push({ id: id, scaling: { label: { enabled: true } }, font: { size: options.nodes.font.size } });
      }
    });
    boosted = now;
    if (upd.length) { nodes.update(upd); }
    document.body.setAttribute("data-boosted-labels", ids.length);
  }
  var labelsQueued = false;
  function queueLabels() {
    if (labelsQueued) { return; }
    labelsQueued = true;
    window.setTimeout(function () { labelsQueued = false; importantLabels(); }, 120);
  }
  network.on("zoom", function () {
    if (!zoomQueued) { zoomQueued = true; window.requestAnimationFrame(clusterFonts); }
    queueLabels();
  });
  network.on("dragEnd", queueLabels);
  network.once("afterDrawing", queueLabels);
  network.on("dragEnd", function () { if (!zoomQueued) { zoomQueued = true; window.requestAnimationFrame(clusterFonts); } });
  if (clusters.length) { network.once("afterDrawing", clusterFonts); }

  // -- details panel ------------------------------------------------------------------
  var details = document.getElementById("dg-details");
  var hold = null;   // {kind: "node"|"edge", id}: details pinned by a click

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
      var b = button(l[1], "dg-link", function () { jumpTo(l[0]); });
      b.setAttribute("data-id", l[0]);
      li.appendChild(b);
      ul.appendChild(li);
    });
    return ul;
  }

  // one line per deal: date, kind, value, counterparties
  function dealLine(entity, did) {
    var d = records[did];
    var li = el("li", null, "dg-deal");
    li.appendChild(el("span", d.day || "undated", "dg-date"));
    var b = button(d.n, "dg-link", function () { jumpTo(did); });
    b.setAttribute("data-id", did);
    li.appendChild(b);
    var bits = [human(d.k), d.v].filter(Boolean);
    var others = (d.p || []).filter(function (m) { return m !== entity; }).map(nameOf);
    if (others.length) {
      bits.push("with " + others.slice(0, 3).join(", ") + (others.length > 3 ? " +" + (others.length - 3) : ""));
    }
    if (bits.length) { li.appendChild(el("span", " · " + bits.join(" · "), "dg-muted")); }
    return li;
  }

  function dealList(entity, ids) {
    var frag = document.createDocumentFragment();
    if (ids.length <= 12) {
      var ul = el("ul", null, "dg-links dg-deals");
      ids.forEach(function (d) { ul.appendChild(dealLine(entity, d)); });
      frag.appendChild(ul);
      return frag;
    }
    // hubs: grouped by year, collapsed
    var groups = {}, order = [];
    ids.forEach(function (d) {
      var y = (records[d].day || "").slice(0, 4) || "undated";
      if (!groups[y]) { groups[y] = []; order.push(y); }
      groups[y].push(d);
    });
    order.forEach(function (y) {
      var box = el("details", null, "dg-year");
      box.appendChild(el("summary", y + " (" + groups[y].length + ")"));
      var list = el("ul", null, "dg-links dg-deals");
      groups[y].forEach(function (d) { list.appendChild(dealLine(entity, d)); });
      box.appendChild(list);
      frag.appendChild(box);
    });
    return frag;
  }

  function shellQuote(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

  function outsideSection(id, r, frag) {
    if (!r.out) { return; }
    var box = el("div", null, "dg-outside");
    box.appendChild(el("p", r.out + (r.out === 1 ? " deal" : " deals") + " of this entity " +
      (r.out === 1 ? "is" : "are") + " not on this map (" + r.dc + " in the store)."));
    if (r.ring && !expanded[id]) {
      var b = button("Show them here", "dg-expand", function () { expand(id); });
      b.id = "dg-expand";
      box.appendChild(b);
    } else if (expanded[id]) {
      box.appendChild(el("p", "Shown around it (dashed).", "dg-muted"));
    } else {
      box.appendChild(el("p", "Too many to carry in this file; map them with:", "dg-muted"));
      var code = el("code", "dealgraph map --focus " + shellQuote(id) + " --hops 1 -o map.html", "dg-command");
      code.id = "dg-command";
      box.appendChild(code);
    }
    frag.appendChild(box);
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
    var badge = el("p", type + (r.c && r.c.length ? " · " + r.c.map(countryText).join(", ")
      : ""), "dg-type");
    if (r.a && r.a.length) { badge.appendChild(el("span", " · also " + r.a.join(", "), "dg-muted")); }
    frag.appendChild(badge);
    if (r.t !== DEAL) {
      var tools = el("p", null, "dg-tools");
      tools.appendChild(button("Path from here", "dg-small", function () { setEnd("a", id); }));
      tools.appendChild(button("Path to here", "dg-small", function () { setEnd("b", id); }));
      var pin = button(pinned[id] ? "Unpin" : "Pin", "dg-small dg-pin", function () {
        pinned[id] = !pinned[id];
        if (!pinned[id]) { delete pinned[id]; }
        render();
        showDetails("node", id);
      });
      tools.appendChild(pin);
      frag.appendChild(tools);
    }
    frag.appendChild(rowsTable(r.bad ? r.rows.concat([["date check", "implausible date " + r.bad + ": counted as undated"]]) : r.rows));
    if (r.t === DEAL) {
      if (r.links && r.links.length) {
        frag.appendChild(el("h3", "Parties"));
        frag.appendChild(linkList(r.links));
      }
    } else {
      outsideSection(id, r, frag);
      var mine = (r.links || []).map(function (l) { return l[0]; });
      if (expanded[id] && r.ring) { mine = mine.concat(r.ring); }
      if (mine.length) {
        mine.sort(function (a, b) {
          var x = records[a].day || "9999", y = records[b].day || "9999";
          return x < y ? -1 : x > y ? 1 : (a < b ? -1 : 1);
        });
        frag.appendChild(el("h3", "Deals (" + mine.length + (r.dc > mine.length ? " of " + r.dc : "") + ")"));
        frag.appendChild(dealList(id, mine));
      }
    }
    if (r.src && r.src.length) {
      frag.appendChild(el("h3", "Sources"));
      frag.appendChild(sourceList(r.src));
    }
  }

  function clusterSection(id, frag) {
    var c = clusters[Number(id.slice(8))];
    frag.appendChild(el("h2", c.label.split("\n")[0], "dg-name"));
    frag.appendChild(el("p", "Cluster of " + c.e + " entities (" + c.m.length + " nodes)", "dg-type"));
    var top = c.m.filter(function (m) { return records[m] && records[m].t !== DEAL; })
      .sort(function (a, b) { return (records[b].dc || 0) - (records[a].dc || 0); }).slice(0, 10);
    frag.appendChild(el("h3", "Biggest dealers"));
    frag.appendChild(linkList(top.map(function (m) { return [m, records[m].n + " (" + (records[m].dc || 0) + " deals)"]; })));
    frag.appendChild(el("p", "Click the cluster to open it.", "dg-hint"));
  }

  function showDetails(kind, id) {
    var frag = document.createDocumentFragment();
    if (kind === "node") {
      if (String(id).indexOf("cluster:") === 0) { clusterSection(id, frag); } else { recordSection(id, frag); }
    } else {
      var e = edgeById[id];
      if (!e) {
        if (String(id).indexOf("agg:") === 0) {
          var it = drawnEdges[id];
          frag.appendChild(el("p", (it ? it.dgCount : 0) + " links between two clusters", "dg-edge"));
          details.replaceChildren(frag);
        }
        return;
      }
      var head = el("p", null, "dg-edge");
      head.appendChild(el("strong", nameOf(e.from)));
      var what = e.rel === "PARTY_TO" ? (e.deal ? " and " : " is " + human(e.role || "party") + " in ")
        : " " + human(e.rel.toLowerCase()) + " ";
      head.appendChild(document.createTextNode(what));
      head.appendChild(el("strong", nameOf(e.to)));
      frag.appendChild(head);
      if (e.deal && e.role) {
        frag.appendChild(rowsTable([[nameOf(e.from), human(e.role)], [nameOf(e.to), human(e.role2)]]));
      }
      if (e.note) { frag.appendChild(rowsTable([["note", e.note]])); }
      var dealId = e.deal || (isDeal(e.to) ? e.to : null);
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

  // -- selection dims what is not a neighbour ---------------------------------------
  var pathState = null;

  function neighbourhood(id) {
    var keep = {};
    keep[id] = true;
    var first = isDeal(id) ? records[id].p || [] : dealsOf[id] || [];
    first.forEach(function (d) {
      keep[d] = true;
      var second = isDeal(d) ? records[d].p || [] : dealsOf[d] || [];
      second.forEach(function (m) { keep[m] = true; });
    });
    edgeItems.forEach(function (e) {   // ownership links
      if (e.rel !== "PARTY_TO" && e.rel !== "CITES" && (e.from === id || e.to === id)) {
        keep[e.from] = keep[e.to] = true;
      }
    });
    return keep;
  }

  function setDim(keep) {
    dim = keep;
    render();
  }

  function selectNode(id) {
    hold = { kind: "node", id: id };
    window.dgHighlighted = id;
    if (String(id).indexOf("cluster:") !== 0 && !pathState) { setDim(neighbourhood(id)); }
    showDetails("node", id);
  }

  network.on("hoverNode", function (p) { if (!hold) { showDetails("node", p.node); } });
  network.on("hoverEdge", function (p) { if (!hold) { showDetails("edge", p.edge); } });
  network.on("blurNode", function () { if (!hold) { clearDetails(); } });
  network.on("blurEdge", function () { if (!hold) { clearDetails(); } });
  network.on("click", function (p) {
    if (p.nodes.length) {
      var id = p.nodes[0];
      if (String(id).indexOf("cluster:") === 0) { openCluster(Number(id.slice(8))); return; }
      selectNode(id);
    } else if (p.edges.length) {
      hold = { kind: "edge", id: p.edges[0] };
      showDetails("edge", p.edges[0]);
    } else {
      hold = null;
      window.dgHighlighted = null;
      if (!pathState) { setDim(null); }
      clearDetails();
    }
  });
  network.on("doubleClick", function (p) {
    if (p.nodes.length && records[p.nodes[0]] && records[p.nodes[0]].ring) { expand(p.nodes[0]); }
  });
  network.on("dragEnd", function (p) {
    if (!p.nodes.length) { return; }
    var pos = network.getPositions(p.nodes);
    p.nodes.forEach(function (id) {
      if (nodeById[id]) { nodeById[id].x = pos[id].x; nodeById[id].y = pos[id].y; }
    });
  });

  // -- overview clusters -------------------------------------------------------------
  function openCluster(i, keepView) {
    if (openCl[i]) { return; }
    openCl[i] = true;
    render();
    var ids = clusters[i].m.filter(function (m) { return drawnNodes[m]; });
    document.body.setAttribute("data-open-clusters", Object.keys(openCl).length);
    if (!keepView && ids.length) { network.fit({ nodes: ids, animation: { duration: 300 } }); }
  }
  function closeClusters() {
    openCl = {};
    render();
    document.body.setAttribute("data-open-clusters", "0");
    network.fit({ animation: { duration: 300 } });
  }
  function openFor(id) {
    var c = clusterOf[id];
    if (c !== undefined && !openCl[c]) { openCluster(c, true); }
  }

  // -- expansion of deals beyond the map ------------------------------------------------
  function expand(id) {
    var r = records[id];
    if (!r || !r.ring || expanded[id]) { return false; }
    openFor(id);
    expanded[id] = true;
    var centre = nodeById[id];
    var pos = network.getPositions([id])[id] || { x: centre.x || 0, y: centre.y || 0 };
    var n = r.ring.length;
    r.ring.forEach(function (d, k) {
      var angle = 2 * Math.PI * k / n;
      var radius = 90 + 6 * n;
      var dn = nodeById[d];
      revealed[d] = true;
      if (dn && dn.x === undefined) { dn.x = pos.x + radius * Math.cos(angle); dn.y = pos.y + radius * Math.sin(angle); }
      (records[d].p || []).forEach(function (m, j) {
        var mn = nodeById[m];
        if (!mn || !mn.r) { return; }
        revealed[m] = true;
        if (mn.x === undefined) {
          var a2 = angle + (j - 1) * 0.12;
          mn.x = pos.x + (radius + 110) * Math.cos(a2);
          mn.y = pos.y + (radius + 110) * Math.sin(a2);
        }
      });
    });
    computeVisible();
    render();
    document.body.setAttribute("data-expanded", Object.keys(expanded).join(" "));
    showDetails("node", id);
    return true;
  }

  // -- search -----------------------------------------------------------------------
  var searchIndex = Object.keys(records).concat(Object.keys(sources)).map(function (id) {
    var r = records[id];
    var names = [nameOf(id)].concat(r && r.a ? r.a : []).concat([id]);
    return { id: id, keys: names.map(function (s) { return String(s).toLowerCase(); }) };
  });

  function findable(id) {
    var r = records[id];
    if (r && r.r && !revealed[id]) { return false; }
    if (!isVisible(id)) { return false; }
    if (!r && !nodeById[id]) { return false; }
    return true;
  }

  function search(text, entitiesOnly) {
    var q = String(text || "").trim().toLowerCase();
    if (!q) { return []; }
    var prefix = [], inner = [];
    for (var i = 0; i < searchIndex.length; i++) {
      var item = searchIndex[i];
      if (!findable(item.id)) { continue; }
      if (entitiesOnly && (!records[item.id] || isDeal(item.id))) { continue; }
      var best = -1;
      for (var j = 0; j < item.keys.length; j++) {
        var at = item.keys[j].indexOf(q);
        if (at === 0) { best = 0; break; }
        if (at > 0) { best = 1; }
      }
      if (best === 0) { prefix.push(item.id); } else if (best === 1) { inner.push(item.id); }
      if (prefix.length >= 12) { break; }
    }
    var rank = function (a, b) {   // exact names first, then entities before deals
      var ea = nameOf(a).toLowerCase() === q ? 0 : 1, eb = nameOf(b).toLowerCase() === q ? 0 : 1;
      return ea - eb || (isDeal(a) ? 1 : 0) - (isDeal(b) ? 1 : 0);
    };
    return prefix.sort(rank).concat(inner.sort(rank)).slice(0, 12);
  }

  function focusNode(id) {
    if (!records[id] && !nodeById[id]) { return false; }
    openFor(id);
    if (!drawnNodes[id]) { return jumpTo(id); }
    network.selectNodes([id], true);
    network.focus(id, { scale: Math.max(network.getScale(), meta.physics ? 1.1 : 1.4),
                        animation: { duration: 300, easingFunction: "easeInOutQuad" } });
    selectNode(id);
    return true;
  }

  function jumpTo(id) {
    openFor(id);
    if (drawnNodes[id]) { return focusNode(id); }
    // a deal drawn as edges (counterparties view): select its edges, show the deal
    var ids = (edgesOfDeal[id] || []).filter(function (e) { return drawnEdges[e]; });
    network.selectEdges(ids);
    hold = { kind: "node", id: id };
    window.dgHighlighted = id;
    showDetails("node", id);
    return ids.length > 0;
  }

  function attachSearch(input, list, onPick, entitiesOnly) {
    function show() {
      var hits = search(input.value, entitiesOnly);
      var frag = document.createDocumentFragment();
      hits.forEach(function (id) {
        var li = el("li");
        var b = button(nameOf(id), "dg-hit", function () { list.hidden = true; onPick(id); });
        b.setAttribute("data-id", id);
        var r = records[id];
        b.appendChild(el("span", " " + (r ? r.t : "Source"), "dg-muted"));
        li.appendChild(b);
        frag.appendChild(li);
      });
      if (!hits.length && input.value.trim()) { frag.appendChild(el("li", "no match", "dg-muted")); }
      list.replaceChildren(frag);
      list.hidden = !input.value.trim();
      return hits;
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var hits = search(input.value, entitiesOnly);
        if (hits.length) { list.hidden = true; onPick(hits[0]); }
      } else if (ev.key === "Escape") {
        list.hidden = true;
      }
    });
  }
  attachSearch(document.getElementById("dg-search"), document.getElementById("dg-results"), focusNode, false);

  Array.prototype.forEach.call(document.querySelectorAll("#dg-implausible button.dg-link"), function (b) {
    b.addEventListener("click", function () { jumpTo(b.getAttribute("data-id")); });
  });

  // -- paths ------------------------------------------------------------------------------
  var pathIds = { a: null, b: null };
  var pathInputs = { a: document.getElementById("dg-path-a"), b: document.getElementById("dg-path-b") };
  var pathStatus = document.getElementById("dg-path-status");

  function setEnd(which, id) {
    pathIds[which] = id;
    if (pathInputs[which]) { pathInputs[which].value = nameOf(id); }
    if (pathIds.a && pathIds.b) { showPaths(pathIds.a, pathIds.b); }
  }
  ["a", "b"].forEach(function (w) {
    if (pathInputs[w]) {
      attachSearch(pathInputs[w], document.getElementById("dg-path-" + w + "-results"),
                   function (id) { setEnd(w, id); }, true);
    }
  });

  function bfs(start) {
    var dist = {}, queue = [start], head = 0;
    dist[start] = 0;
    while (head < queue.length) {
      var u = queue[head++];
      var next = isDeal(u) ? records[u].p || [] : dealsOf[u] || [];
      for (var i = 0; i < next.length; i++) {
        var v = next[i];
        if (dist.hasOwnProperty(v) || !isVisible(v) || (records[v] && records[v].r && !revealed[v])) { continue; }
        dist[v] = dist[u] + 1;
        queue.push(v);
      }
    }
    return dist;
  }

  // every node on a shortest path between a and b (deals count as a step's middle)
  function shortestPaths(a, b) {
    var da = bfs(a);
    if (!da.hasOwnProperty(b)) { return null; }
    var db = bfs(b), len = da[b], on = {}, count = {};
    Object.keys(da).forEach(function (x) {
      if (db.hasOwnProperty(x) && da[x] + db[x] === len) { on[x] = true; }
    });
    // number of shortest paths, by levels from a
    var levels = [];
    Object.keys(on).forEach(function (x) { (levels[da[x]] = levels[da[x]] || []).push(x); });
    count[a] = 1;
    for (var k = 1; k < levels.length; k++) {
      levels[k].forEach(function (x) {
        var prev = isDeal(x) ? records[x].p || [] : dealsOf[x] || [];
        count[x] = prev.reduce(function (s, y) { return s + (on[y] && da[y] === k - 1 ? count[y] : 0); }, 0);
      });
    }
    return { nodes: on, steps: len / 2, paths: count[b] };
  }

  function showPaths(a, b) {
    if (!records[a] || !records[b]) { return null; }
    pathIds = { a: a, b: b };
    if (pathInputs.a) { pathInputs.a.value = nameOf(a); pathInputs.b.value = nameOf(b); }
    var found = shortestPaths(a, b);
    ends = {};
    ends[a] = "start";
    ends[b] = "end";
    if (!found) {
      pathState = { a: a, b: b, found: false };
      if (pathStatus) { pathStatus.textContent = "No path between " + nameOf(a) + " and " + nameOf(b) + " on this map."; }
      document.body.setAttribute("data-path", "none");
      openFor(a); openFor(b);
      setDim(null);
      return pathState;
    }
    Object.keys(found.nodes).forEach(openFor);
    pathState = { a: a, b: b, found: true, nodes: Object.keys(found.nodes).sort(),
                  steps: found.steps, paths: found.paths };
    if (pathStatus) {
      pathStatus.textContent = found.paths + (found.paths === 1 ? " shortest path" : " shortest paths") +
        " of " + found.steps + (found.steps === 1 ? " step" : " steps") + " between " + nameOf(a) +
        " and " + nameOf(b) + ".";
    }
    document.body.setAttribute("data-path", "found");
    setDim(found.nodes);
    var ids = pathState.nodes.filter(function (x) { return drawnNodes[x]; });
    if (ids.length) { network.fit({ nodes: ids, animation: { duration: 300 } }); }
    return pathState;
  }

  function clearPaths() {
    pathState = null;
    pathIds = { a: null, b: null };
    ends = {};
    if (pathInputs.a) { pathInputs.a.value = ""; pathInputs.b.value = ""; }
    if (pathStatus) { pathStatus.textContent = ""; }
    document.body.removeAttribute("data-path");
    setDim(null);
  }
  var goBtn = document.getElementById("dg-path-clear");
  if (goBtn) { goBtn.addEventListener("click", clearPaths); }

  // -- filters and the range: wiring --------------------------------------------------
  function applyFilters() {
    var t0 = performance.now();
    computeVisible();
    var t1 = performance.now();
    var shown = render();
    window.dgFilterMs = performance.now() - t0;
    window.dgFilterSplit = [t1 - t0, window.dgFilterMs - (t1 - t0)];
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
  function rangeLabels() {
    if (!fromRange) { return; }
    var a = Number(fromRange.value), b = Number(toRange.value);
    if (a > b) { if (this === fromRange) { toRange.value = a; b = a; } else { fromRange.value = b; a = b; } }
    fromLabel.textContent = months[a][0];
    toLabel.textContent = months[b][0];
  }
  if (fromRange) {
    [fromRange, toRange].forEach(function (r) {
      r.addEventListener("input", function () { rangeLabels.call(r); applyFilters(); });
    });
  }
  if (undatedBox) { undatedBox.addEventListener("change", applyFilters); }

  document.getElementById("dg-fit").addEventListener("click", function () {
    network.fit({ animation: { duration: 300 } });
  });
  function resetAll() {
    boxes.forEach(function (b) { b.checked = true; });
    if (fromRange) { fromRange.value = 0; toRange.value = months.length - 1; rangeLabels.call(fromRange); }
    if (undatedBox) { undatedBox.checked = true; }
    hold = null;
    pathState = null;
    pathIds = { a: null, b: null };
    ends = {};
    if (pathInputs.a) { pathInputs.a.value = ""; pathInputs.b.value = ""; }
    if (pathStatus) { pathStatus.textContent = ""; }
    document.body.removeAttribute("data-path");
    dim = null;
    network.unselectAll();
    clearDetails();
    applyFilters();
  }
  document.getElementById("dg-reset").addEventListener("click", resetAll);
  var overviewBtn = document.getElementById("dg-overview");
  if (overviewBtn) { overviewBtn.addEventListener("click", closeClusters); }

  // -- the view switch --------------------------------------------------------------
  function setView(v) {
    if (v === view) { return; }
    var pos = network.getPositions();
    Object.keys(pos).forEach(function (id) { if (nodeById[id]) { nodeById[id].x = pos[id].x; nodeById[id].y = pos[id].y; } });
    view = v;
    document.body.setAttribute("data-view", v);
    Array.prototype.forEach.call(document.querySelectorAll("#dg-legend li[data-view]"), function (li) {
      var only = li.getAttribute("data-view");
      li.hidden = !!only && only !== v;
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[name=dg-view]"), function (r) {
      r.checked = r.value === v;
    });
    var label = document.getElementById("dg-view-name");
    if (label) { label.textContent = v; }
    applyFilters();
    if (pathState && pathState.found) { showPaths(pathState.a, pathState.b); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[name=dg-view]"), function (r) {
    r.checked = r.value === view;
    r.addEventListener("change", function () { if (r.checked) { setView(r.value); } });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#dg-legend li[data-view]"), function (li) {
    var only = li.getAttribute("data-view");
    li.hidden = !!only && only !== view;
  });

  // -- figures: PNG, SVG, positions -------------------------------------------------------
  function download(name, blob) {
    var a = document.createElement("a");
    var url = URL.createObjectURL(blob);
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  }

  function pngCanvas() {
    var src = container.querySelector("canvas");
    var out = document.createElement("canvas");
    out.width = src.width;
    out.height = src.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    var k = src.width / src.clientWidth || 1;
    ctx.fillStyle = "#222222";
    ctx.font = "600 " + Math.round(18 * k) + "px system-ui, sans-serif";
    ctx.fillText(meta.title || "", 12 * k, 26 * k);
    if (meta.caption) {
      ctx.font = Math.round(13 * k) + "px system-ui, sans-serif";
      ctx.fillStyle = "#444444";
      ctx.fillText(meta.caption, 12 * k, out.height - 12 * k);
    }
    return out;
  }
  function pngDataURL() { return pngCanvas().toDataURL("image/png"); }

  var SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    // characters XML 1.0 cannot hold (control characters, lone surrogates) are dropped,
    // so the file parses wherever it is opened
    if (text !== undefined) {
      e.textContent = String(text).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "$1");
    }
    return e;
  }
  function colourOf(item) {
    var g = options.groups[item.group] || {};
    var c = g.color || {};
    return { fill: (typeof c === "string" ? c : c.background) || "#607d8b",
             stroke: (typeof c === "string" ? c : c.border) || "#333333",
             shape: g.shape || "dot" };
  }

  // the current view as SVG: what the canvas shows, labels of the biggest nodes
  function svgText() {
    var box = container.getBoundingClientRect();
    var tl = network.DOMtoCanvas({ x: 0, y: 0 });
    var br = network.DOMtoCanvas({ x: box.width, y: box.height });
    var w = br.x - tl.x, h = br.y - tl.y, scale = network.getScale();
    var svg = svgEl("svg", { xmlns: SVGNS, width: Math.round(box.width), height: Math.round(box.height),
                             viewBox: [tl.x, tl.y, w, h].join(" "), "font-family": "system-ui, sans-serif" });
    svg.appendChild(svgEl("rect", { x: tl.x, y: tl.y, width: w, height: h, fill: "#ffffff" }));
    var ids = Object.keys(drawnNodes);
    var pos = network.getPositions(ids);
    var inside = function (p) { return p && p.x >= tl.x && p.x <= br.x && p.y >= tl.y && p.y <= br.y; };
    var lines = svgEl("g", { "stroke-linecap": "round" });
    Object.keys(drawnEdges).forEach(function (id) {
      var e = drawnEdges[id], a = pos[e.from], b = pos[e.to];
      if (!a || !b || (!inside(a) && !inside(b))) { return; }
      var c = e.color || {};
      lines.appendChild(svgEl("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y,
        stroke: c.color || options.edges.color.color, "stroke-opacity": c.opacity === undefined ? 0.75 : c.opacity,
        "stroke-width": (e.width || 1.2) / 1 }));
    });
    svg.appendChild(lines);
    var shapes = svgEl("g", {}), labels = svgEl("g", { "text-anchor": "middle", fill: "#222222",
      stroke: "#ffffff", "stroke-width": 3 / scale, "paint-order": "stroke" });
    var inView = ids.filter(function (id) { return inside(pos[id]); });
    var body = network.body.nodes;
    inView.forEach(function (id) {
      var item = drawnNodes[id], p = pos[id], look = colourOf(item);
      var r = (body[id] && body[id].options.size) || item.size || 8;
      var op = item.opacity === undefined ? 1 : item.opacity;
      var attrs = { fill: look.fill, stroke: look.stroke, "stroke-width": 1.5, "fill-opacity": op, "stroke-opacity": op };
      if (look.shape === "square" || look.shape === "box") {
        shapes.appendChild(svgEl("rect", Object.assign({ x: p.x - r, y: p.y - r, width: 2 * r, height: 2 * r }, attrs)));
      } else if (look.shape === "diamond") {
        shapes.appendChild(svgEl("polygon", Object.assign({ points: [p.x, p.y - r, p.x + r, p.y, p.x, p.y + r, p.x - r, p.y].join(" ") }, attrs)));
      } else if (look.shape === "triangle") {
        shapes.appendChild(svgEl("polygon", Object.assign({ points: [p.x, p.y - r, p.x + r, p.y + r * 0.8, p.x - r, p.y + r * 0.8].join(" ") }, attrs)));
      } else {
        shapes.appendChild(svgEl("circle", Object.assign({ cx: p.x, cy: p.y, r: r }, attrs)));
      }
    });
    // labels: the biggest nodes first, at most 150, each at a readable size
    inView.filter(function (id) { return !isDeal(id) || scale > 1.2; })
      .sort(function (a, b) { return ((body[b] && body[b].options.size) || 0) - ((body[a] && body[a].options.size) || 0); })
      .slice(0, 150).forEach(function (id) {
        var p = pos[id], r = (body[id] && body[id].options.size) || 8;
        var label = String(drawnNodes[id].label || "").split("\n")[0];
        if (!label || (dim && !dim[id])) { return; }
        labels.appendChild(svgEl("text", { x: p.x, y: p.y + r + 14 / scale, "font-size": 13 / scale }, label));
      });
    svg.appendChild(shapes);
    svg.appendChild(labels);
    svg.appendChild(svgEl("text", { x: tl.x + 12 / scale, y: tl.y + 26 / scale, "font-size": 18 / scale,
                                    "font-weight": 600, fill: "#222222" }, meta.title || ""));
    if (meta.caption) {
      svg.appendChild(svgEl("text", { x: tl.x + 12 / scale, y: br.y - 12 / scale, "font-size": 13 / scale,
                                      fill: "#444444" }, meta.caption));
    }
    return new XMLSerializer().serializeToString(svg);
  }

  function positions() {
    var pos = network.getPositions(Object.keys(drawnNodes).filter(function (id) { return nodeById[id]; }));
    var out = {};
    nodeItems.forEach(function (n) {
      var p = pos[n.id];
      if (p) { out[n.id] = [p.x, p.y]; } else if (n.x !== undefined) { out[n.id] = [n.x, n.y]; }
    });
    return { dealgraph: "positions", title: meta.title, positions: out, pinned: Object.keys(pinned) };
  }

  function fileName(ext) {
    return (String(meta.title || "map").replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "map") + ext;
  }
  document.getElementById("dg-png").addEventListener("click", function () {
    pngCanvas().toBlob(function (b) { download(fileName(".png"), b); }, "image/png");
  });
  document.getElementById("dg-svg").addEventListener("click", function () {
    download(fileName(".svg"), new Blob([svgText()], { type: "image/svg+xml" }));
  });
  document.getElementById("dg-positions").addEventListener("click", function () {
    download(fileName(".positions.json"), new Blob([JSON.stringify(positions(), null, 1)], { type: "application/json" }));
  });

  // for tests and the console
  window.dgNetwork = network;
  window.dg = {
    network: network, nodes: nodes, edges: edges, search: search, focus: focusNode,
    jumpTo: jumpTo, applyFilters: applyFilters, openCluster: openCluster, closeClusters: closeClusters,
    expand: expand, showPaths: showPaths, clearPaths: clearPaths, setView: setView,
    pngDataURL: pngDataURL, svgText: svgText, positions: positions, reset: resetAll,
    pathState: function () { return pathState; },
    visibleNodeIds: function () {
      return nodes.getIds({ filter: function (n) { return !n.hidden; } });
    }
  };
})();
