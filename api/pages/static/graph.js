// The interactive graph: vis-network (served by headkg from the installed pyvis package) over
// /explore/graph/data.json. The layout is computed once with every node, then frozen, so the
// year slider grows the field in place. `window.headkgGraph.drawn()` and the container's
// data-drawn attribute give the ids of the nodes drawn now (for tests and scripts).
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var status = document.getElementById("graph-status");
  var slider = document.getElementById("graph-year");
  var sliderOut = document.getElementById("graph-year-out");
  var search = document.getElementById("graph-search");
  if (!box || typeof vis === "undefined") {
    if (status) status.textContent = "The graph library did not load.";
    return;
  }
  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var lastYear = slider ? Number(slider.max) : Infinity;
  var year = lastYear;
  var network = null;

  function shown(node) {
    if (year >= lastYear) return true; // the last year shows everything, undated papers too
    return node.year !== null && node.year !== undefined && node.year <= year;
  }
  var nodeView = new vis.DataView(nodes, { filter: shown });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) {
      var a = nodes.get(e.from), b = nodes.get(e.to);
      return !!(a && b && shown(a) && shown(b));
    },
  });

  function publish() {
    var ids = nodeView.getIds();
    box.setAttribute("data-drawn", ids.join(" "));
    box.setAttribute("data-year", String(year));
    var heads = ids.filter(function (id) { return id.indexOf("head:") === 0; }).length;
    status.textContent = heads + " head types and " + (ids.length - heads) + " papers drawn" +
      (year < lastYear ? " (papers up to " + year + ")" : "") + ".";
  }

  function decorate(n) {
    var head = n.kind === "head";
    return Object.assign({}, n, {
      shape: "dot",
      size: head ? 10 + Math.min(20, Math.sqrt(n.papers || 1) * 3) : 5,
      color: { background: n.color, border: n.color, highlight: { background: n.color, border: "#111" } },
      font: head ? { size: 14, color: "#1b1f24", strokeWidth: 3, strokeColor: "#ffffff" } : { size: 0 },
      title: n.title || n.label + (head ? " (" + (n.papers || 0) + " papers)" : ""),
    });
  }

  function add(data) {
    var fresh = data.nodes.filter(function (n) { return !nodes.get(n.id); });
    nodes.update(fresh.map(decorate));
    edges.update(data.edges.map(function (e) {
      return Object.assign({ id: e.from + "|" + e.to, color: { color: "#c3c9d0", highlight: "#333" } }, e);
    }));
    return fresh.length;
  }

  function start(data) {
    add(data);
    network = new vis.Network(box, { nodes: nodeView, edges: edgeView }, {
      physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250, updateInterval: 50 } },
      interaction: { hover: true, tooltipDelay: 150, keyboard: { enabled: true, bindToWindow: false } },
      edges: { smooth: false, scaling: { min: 1, max: 8 } },
    });
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      network.fit();
      var at = network.getPositions();
      nodes.update(Object.keys(at).map(function (id) { return { id: id, x: at[id].x, y: at[id].y }; }));
    });
    network.on("click", function (params) {
      if (!params.nodes.length) return;
      var node = nodes.get(params.nodes[0]);
      if (node && node.url) window.location.href = node.url;
    });
    publish();
    box.setAttribute("data-ready", "true");
  }

  function focus(id) {
    if (!network || !nodeView.get(id)) return false;
    network.selectNodes([id]);
    network.focus(id, { scale: 1.3, animation: { duration: 400 } });
    return true;
  }

  if (slider) {
    slider.addEventListener("input", function () {
      year = Number(slider.value);
      if (sliderOut) sliderOut.textContent = slider.value;
      nodeView.refresh();
      edgeView.refresh();
      publish();
    });
  }

  if (search) {
    search.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = document.getElementById("graph-q").value.trim();
      if (!q) return;
      status.textContent = "Looking for “" + q + "”…";
      fetch(box.getAttribute("data-around") + "?q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) {
          if (!found) { status.textContent = "Nothing in the graph matches “" + q + "”."; return; }
          var added = add(found);
          if (network && added) {  // let the newcomers find a place, then freeze again
            network.setOptions({ physics: { enabled: true, stabilization: false } });
            setTimeout(function () { network.setOptions({ physics: false }); }, 1500);
          }
          nodeView.refresh();
          edgeView.refresh();
          publish();
          if (!focus(found.center)) status.textContent = "“" + q + "” is not drawn at this year; move the slider right.";
        })
        .catch(function () { status.textContent = "The search failed."; });
    });
  }

  window.headkgGraph = {
    drawn: function () { return nodeView.getIds(); },
    selected: function () { return network ? network.getSelectedNodes() : []; },
    position: function (id) {  // where a node is drawn, in pixels from the container's top left
      return network && nodeView.get(id) ? network.canvasToDOM(network.getPosition(id)) : null;
    },
    focus: focus,
    year: function () { return year; },
  };

  fetch(box.getAttribute("data-src"))
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(start)
    .catch(function () { status.textContent = "The graph's data could not be loaded."; });
})();
