// Serviceatlas demo map: vector tiles from /tiles, service types from /graphql, MapLibre GL from the
// server's own copy (no CDN, works offline). Plain browser ES module.
import {
  Map as MapLibreMap,
  NavigationControl,
  Popup,
  ScaleControl,
} from '/vendor/maplibre-gl/maplibre-gl.mjs';

/** Access classes (as the tiles' accessClass property) and their colours, in legend order. */
const ACCESS_CLASSES = [
  ['0-5', '#1a9850', '0–5 min'],
  ['5-10', '#91cf60', '5–10 min'],
  ['10-20', '#fee08b', '10–20 min'],
  ['20-30', '#fc8d59', '20–30 min'],
  ['30+', '#d73027', 'over 30 min'],
  ['none', '#6a3d9a', 'no service reachable'],
];
const FALLBACK_TYPES = [{ code: 'GROCERY', nameEn: 'Grocery store', thresholdMinutes: 10 }];
/** Layers whose tiles depend on the threshold (service points depend only on the service type). */
const THRESHOLD_SOURCES = ['settlements', 'access-hex', 'service-areas', 'areas'];
const ALL_SOURCES = [...THRESHOLD_SOURCES, 'service-points'];
/** The road network's layer: the same for every service type and threshold (never reloaded). */
const NETWORK_SOURCE = 'network-edges';

const state = {
  serviceType: 'GROCERY',
  threshold: 10,
  types: FALLBACK_TYPES,
  baseStyleUrl: '',
  /** How the areas layer's outlines were made (BOUNDARY or SETTLEMENT_TERRITORY), once known. */
  outline: undefined,
  /** Whether a road network is loaded (its layer is drawn, answers are NETWORK). */
  networkLoaded: false,
  /** The road network's credit (its TileJSON attribution: ODbL for OpenStreetMap roads). */
  networkAttribution: '',
};
const $ = (id) => document.getElementById(id);

function setStatus(message, ok = false) {
  const status = $('status');
  status.textContent = message;
  status.className = ok ? 'ok' : '';
}

function tileUrl(layer) {
  const params = new URLSearchParams({ serviceType: state.serviceType });
  if (layer !== 'service-points') params.set('threshold', String(state.threshold));
  return `${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt?${params}`;
}

function accessColor() {
  const match = ['match', ['get', 'accessClass']];
  for (const [accessClass, color] of ACCESS_CLASSES) match.push(accessClass, color);
  match.push('#999999');
  return match;
}

function overlaySources() {
  const sources = {};
  for (const layer of ALL_SOURCES) {
    sources[layer] = { type: 'vector', tiles: [tileUrl(layer)], minzoom: 0, maxzoom: 14 };
  }
  if (state.networkLoaded) {
    sources[NETWORK_SOURCE] = {
      type: 'vector',
      tiles: [`${location.origin}/tiles/${NETWORK_SOURCE}/{z}/{x}/{y}.mvt`],
      minzoom: 0,
      maxzoom: 14,
      // Shown in the map's attribution control while the roads are on the map (ODbL asks for it).
      attribution: state.networkAttribution,
    };
  }
  return sources;
}

function visibility(id) {
  const boxes = document.querySelectorAll('#layer-toggles input');
  const box = [...boxes].find((input) => input.dataset.layers.split(',').includes(id));
  return box && !box.checked ? 'none' : 'visible';
}

/** The overlay layers, bottom to top. `withBackground` adds the plain background used without a base map. */
function overlayLayers(withBackground) {
  const settlementRadius = (scale) => [
    'interpolate',
    ['linear'],
    ['sqrt', ['max', 0, ['get', 'population']]],
    0,
    2 * scale,
    30,
    4 * scale,
    100,
    8 * scale,
    400,
    16 * scale,
  ];
  const layers = [];
  if (withBackground)
    layers.push({ id: 'background', type: 'background', paint: { 'background-color': '#e9eef2' } });
  layers.push(
    {
      id: 'areas-fill',
      type: 'fill',
      source: 'areas',
      'source-layer': 'areas',
      filter: ['==', ['get', 'level'], 'MUNICIPALITY'],
      paint: { 'fill-color': '#fbfbf8', 'fill-opacity': withBackground ? 0.9 : 0.2 },
    },
    {
      id: 'access-hex',
      type: 'fill',
      source: 'access-hex',
      'source-layer': 'access-hex',
      layout: { visibility: visibility('access-hex') },
      paint: {
        'fill-color': accessColor(),
        'fill-opacity': 0.35,
        'fill-outline-color': 'rgba(255,255,255,0.6)',
      },
    },
    {
      id: 'service-areas-fill',
      type: 'fill',
      source: 'service-areas',
      'source-layer': 'service-areas',
      layout: { visibility: visibility('service-areas-fill') },
      paint: { 'fill-color': '#2171b5', 'fill-opacity': 0.08 },
    },
    {
      id: 'service-areas-line',
      type: 'line',
      source: 'service-areas',
      'source-layer': 'service-areas',
      layout: { visibility: visibility('service-areas-line') },
      paint: { 'line-color': '#2171b5', 'line-width': 1, 'line-dasharray': [3, 2] },
    },
    ...(state.networkLoaded
      ? [
          {
            id: NETWORK_SOURCE,
            type: 'line',
            source: NETWORK_SOURCE,
            'source-layer': NETWORK_SOURCE,
            layout: { visibility: visibility(NETWORK_SOURCE), 'line-cap': 'round', 'line-join': 'round' },
            paint: {
              'line-color': '#7a6f66',
              'line-opacity': 0.8,
              'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.5, 12, 1.5, 15, 3],
            },
          },
        ]
      : []),
    {
      id: 'areas-line',
      type: 'line',
      source: 'areas',
      'source-layer': 'areas',
      paint: {
        'line-color': ['match', ['get', 'level'], 'COUNTY', '#4a4f55', '#8a939c'],
        'line-width': ['match', ['get', 'level'], 'COUNTY', 1.6, 0.7],
      },
    },
    {
      id: 'service-points',
      type: 'circle',
      source: 'service-points',
      'source-layer': 'service-points',
      layout: { visibility: visibility('service-points') },
      paint: {
        'circle-color': '#08306b',
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 1.5, 8, 3, 12, 5],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 4, 0.5, 10, 1.5],
      },
    },
    {
      id: 'settlements',
      type: 'circle',
      source: 'settlements',
      'source-layer': 'settlements',
      layout: { visibility: visibility('settlements') },
      paint: {
        'circle-color': accessColor(),
        'circle-radius': [
          'interpolate',
          ['linear'],
          ['zoom'],
          4,
          settlementRadius(0.5),
          10,
          settlementRadius(1.2),
        ],
        'circle-opacity': 0.9,
        'circle-stroke-color': ['case', ['get', 'desert'], '#111111', '#ffffff'],
        'circle-stroke-width': ['case', ['get', 'desert'], 1.2, 0.5],
      },
    },
  );
  return layers;
}

function ownStyle() {
  return {
    version: 8,
    name: 'Serviceatlas overlays',
    sources: overlaySources(),
    layers: overlayLayers(true),
  };
}

function renderLegend() {
  const legend = $('legend');
  legend.replaceChildren();
  const title = document.createElement('h2');
  const type = state.types.find((t) => t.code === state.serviceType);
  title.textContent = `Travel time to ${type ? type.nameEn.toLowerCase() : state.serviceType}`;
  legend.append(title);
  const row = (swatchStyle, text, square = false) => {
    const div = document.createElement('div');
    div.className = 'legend-row';
    const swatch = document.createElement('span');
    swatch.className = square ? 'swatch square' : 'swatch';
    Object.assign(swatch.style, swatchStyle);
    const label = document.createElement('span');
    label.textContent = text;
    div.append(swatch, label);
    legend.append(div);
  };
  for (const [, color, label] of ACCESS_CLASSES) row({ background: color }, label);
  row({ background: '#fff', border: '2px solid #111' }, `dark ring: beyond ${state.threshold} min (desert)`);
  row({ background: '#08306b', border: '2px solid #fff' }, 'open service point');
  row({ background: 'rgba(26,152,80,0.35)' }, 'hexagon: population-weighted mean time', true);
  row(
    { background: 'rgba(33,113,181,0.15)', border: '1px dashed #2171b5' },
    state.networkLoaded ? 'service area: reached by road' : 'service area: straight-line radius',
    true,
  );
  if (state.networkLoaded) row({ background: '#7a6f66', height: '3px' }, 'road network', true);
  row(
    { background: '#fbfbf8', border: '1px solid #4a4f55' },
    state.outline === 'SETTLEMENT_TERRITORY'
      ? 'outlines: approximate (no boundaries imported)'
      : 'outlines: counties, municipalities',
    true,
  );
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function popupHtml(title, rows) {
  const body = rows
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  return `<div class="popup"><h3>${escapeHtml(title)}</h3><table>${body}</table></div>`;
}

function settlementPopup(p) {
  const flags = p.flags ? String(p.flags).split(',').join(', ') : 'none';
  return popupHtml(p.name, [
    ['Population', p.population],
    ['Aged 65+', p.population65Plus],
    [`Minutes to ${state.serviceType}`, p.minutes ?? 'no service reachable'],
    ['Travel km', p.km],
    ['Straight-line km', p.straightKm],
    ['Method', p.method],
    ['Threshold', `${p.thresholdMinutes} min`],
    ['Desert', p.desert ? 'yes' : 'no'],
    ['Flags', flags],
  ]);
}

function installInteractions(map) {
  const popups = {
    settlements: settlementPopup,
    'service-points': (p) => popupHtml(p.name, [['Services', String(p.serviceTypes).split(',').join(', ')]]),
    'access-hex': (p) =>
      popupHtml('Hexagon', [
        ['Settlements', p.settlements],
        ['Population', p.population],
        ['Beyond threshold', p.populationBeyondThreshold],
        ['Mean minutes (pop.-weighted)', p.meanMinutes],
      ]),
  };
  map.on('click', (event) => {
    const layers = Object.keys(popups).filter((id) => map.getLayer(id));
    const hits = map.queryRenderedFeatures(event.point, { layers });
    // A settlement wins over a service point drawn on top of it (demo points stand in the villages).
    const feature = layers.map((id) => hits.find((hit) => hit.layer.id === id)).find(Boolean);
    if (!feature) return;
    new Popup({ maxWidth: '320px' })
      .setLngLat(event.lngLat)
      .setHTML(popups[feature.layer.id](feature.properties))
      .addTo(map);
  });
  map.on('mousemove', (event) => {
    const layers = ['settlements', 'service-points'].filter((id) => map.getLayer(id));
    map.getCanvas().style.cursor = map.queryRenderedFeatures(event.point, { layers }).length ? 'pointer' : '';
  });
}

/** Resolves on the next 'idle' (all tiles loaded and rendered). */
function nextIdle(map) {
  return new Promise((resolve) => map.once('idle', () => resolve()));
}

function reloadSources(map, ids) {
  for (const id of ids) map.getSource(id)?.setTiles([tileUrl(id)]);
  renderLegend();
  return nextIdle(map);
}

async function loadServiceTypes() {
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        query: '{ serviceTypes { code nameEn thresholdMinutes } travelModel { networkLoaded } }',
      }),
    });
    const result = await response.json();
    const types = result?.data?.serviceTypes;
    if (!Array.isArray(types) || types.length === 0)
      throw new Error(result?.errors?.[0]?.message ?? 'no service types');
    state.networkLoaded = result.data.travelModel?.networkLoaded === true;
    return types;
  } catch (error) {
    console.warn('Serviceatlas: could not load service types from /graphql; showing groceries only', error);
    setStatus('Could not load the service types from /graphql; showing groceries only.');
    return FALLBACK_TYPES;
  }
}

async function loadTileJson(layer = 'settlements') {
  try {
    const params = new URLSearchParams({ serviceType: state.serviceType });
    const response = await fetch(`/tiles/${layer}.json?${params}`);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

async function main() {
  state.types = await loadServiceTypes();
  const initial = state.types.find((t) => t.code === 'GROCERY') ?? state.types[0];
  state.serviceType = initial.code;
  state.threshold = initial.thresholdMinutes;

  const select = $('service-type');
  select.replaceChildren(
    ...state.types.map((t) => {
      const option = document.createElement('option');
      option.value = t.code;
      option.textContent = `${t.nameEn} (${t.thresholdMinutes} min)`;
      return option;
    }),
  );
  select.value = state.serviceType;
  select.disabled = false;
  const slider = $('threshold');
  slider.value = String(state.threshold);
  $('threshold-value').textContent = String(state.threshold);

  const tileJson = await loadTileJson();
  $('data-attribution').textContent = tileJson?.attribution ? `Data: ${tileJson.attribution}` : '';
  if (state.networkLoaded) {
    state.networkAttribution = (await loadTileJson(NETWORK_SOURCE))?.attribution ?? '';
    if (state.networkAttribution && !$('data-attribution').textContent.includes(state.networkAttribution))
      $('data-attribution').textContent += ` · ${state.networkAttribution}`;
    $('network-toggle').hidden = false;
    $('service-areas-label').textContent = 'Service areas (reached by road)';
  }
  const view = tileJson?.bounds
    ? { bounds: tileJson.bounds, fitBoundsOptions: { padding: 30 } }
    : { center: [15.5, 62.5], zoom: 4 };

  const map = new MapLibreMap({
    container: 'map',
    style: ownStyle(),
    ...view,
    attributionControl: { compact: true, customAttribution: tileJson?.attribution ?? 'Serviceatlas' },
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
  });
  window.serviceatlasMap = map;
  // Registered at once: the first 'idle' (style and first tiles loaded and drawn) can come before any await.
  const firstIdle = nextIdle(map);
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('error', (event) => {
    const message = event.error?.message ?? String(event.error);
    setStatus(`Map error: ${message}`);
    console.error('Serviceatlas map error:', message);
  });
  installInteractions(map);
  renderLegend();

  const api = {
    state,
    /** Switches the service type (threshold reset to the type's default); resolves when redrawn. */
    setServiceType(code) {
      const type = state.types.find((t) => t.code === code);
      if (!type) return Promise.reject(new Error(`unknown service type ${code}`));
      state.serviceType = code;
      state.threshold = type.thresholdMinutes;
      select.value = code;
      slider.value = String(state.threshold);
      $('threshold-value').textContent = String(state.threshold);
      api.settled = reloadSources(map, ALL_SOURCES);
      return api.settled;
    },
    /** Sets the threshold (minutes); resolves when redrawn. */
    setThreshold(minutes) {
      state.threshold = Number(minutes);
      slider.value = String(state.threshold);
      $('threshold-value').textContent = String(state.threshold);
      api.settled = reloadSources(map, THRESHOLD_SOURCES);
      return api.settled;
    },
    /** Resolves when the last service-type or threshold change has been redrawn. */
    settled: Promise.resolve(),
  };
  window.serviceatlas = api;

  select.addEventListener('change', () => api.setServiceType(select.value));
  slider.addEventListener('input', () => {
    $('threshold-value').textContent = slider.value;
  });
  slider.addEventListener('change', () => api.setThreshold(slider.value));
  for (const box of document.querySelectorAll('#layer-toggles input')) {
    box.addEventListener('change', () => {
      for (const id of box.dataset.layers.split(',')) {
        if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none');
      }
    });
  }
  $('basemap-apply').addEventListener('click', () => {
    const url = $('basemap-url').value.trim();
    if (!url) return;
    state.baseStyleUrl = url;
    map.setStyle(url, {
      transformStyle: (_previous, next) => ({
        ...next,
        sources: { ...next.sources, ...overlaySources() },
        layers: [...next.layers, ...overlayLayers(false)],
      }),
    });
  });
  $('basemap-clear').addEventListener('click', () => {
    state.baseStyleUrl = '';
    map.setStyle(ownStyle());
  });

  await firstIdle;
  // Say in the legend when the outlines are approximate (drawn from settlements, not imported borders).
  state.outline = map.querySourceFeatures('areas', { sourceLayer: 'areas' })[0]?.properties.outline;
  renderLegend();
  window.serviceatlasLoaded = true;
  if (!$('status').textContent) setStatus('Click a settlement for its access and flags.', true);
  return map;
}

/** Resolves with the map once the first view is fully rendered (for tests and embedding pages). */
window.serviceatlasReady = main();
