"""A Vega-Lite chart widget that redraws from new data without rebuilding the chart.

Solara's own ``FigureAltair`` re-embeds the whole chart whenever anything changes and loads
Vega from the ``vega@5`` path of its CDN proxy, which only works online. This widget
(an ipyvue template, the mechanism Solara's widgets use) loads the Vega, Vega-Lite and
Vega-Embed builds that the ``solara-assets`` package installs (so the page works
offline), embeds the spec once, and on every new frame replaces the rows of its named
datasets (``rows`` and ``marks``) through the Vega view API, which takes a few
milliseconds in the browser.

The element carries ``data-chart`` (its name) and, once drawn, ``data-drawn-step`` (the
last step in the rows it shows) and ``data-drawn`` (how many frames it has drawn): the
browser test measures the play speed on what the browser actually drew.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import ipyvuetify as v
import traitlets

#: Libraries the widget loads, and the major version asked for when the installed build
#: cannot be found (then Solara's CDN proxy fetches it, which needs the internet).
LIBRARIES: dict[str, str] = {"vega": "5", "vega-lite": "5", "vega-embed": "6"}

TEMPLATE = """
<template>
  <div class="ts-vega" :data-chart="name" :data-drawn="drawn" :data-drawn-step="drawn_step">
    <div ref="plot" class="ts-vega-plot"></div>
  </div>
</template>
<script>
module.exports = {
  data() { return { drawn: 0, drawn_step: -1 }; },
  mounted() {
    this.ready = this.load().then(() => this.embed());
    this.observer = new ResizeObserver(() => {
      if (this.view && this.width() !== this.view.width()) {
        this.view.width(this.width()).runAsync();
      }
    });
    this.observer.observe(this.$el);
  },
  destroyed() {
    if (this.observer) { this.observer.disconnect(); }
    if (this.view) { this.view.finalize(); }
  },
  watch: {
    spec() { this.ready = this.ready.then(() => this.embed()); },
    rows() { this.ready = this.ready.then(() => this.update()); },
    marks() { this.ready = this.ready.then(() => this.update()); },
  },
  methods: {
    cdn() {
      if (window.solara && window.solara.cdn) { return window.solara.cdn; }
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith('/')) { base += '/'; }
      return base + '_solara/cdn';
    },
    load() {
      const cdn = this.cdn();
      const paths = this.libraries;
      const ensureRequire = window.requirejs ? Promise.resolve() : new Promise((ok, fail) => {
        const script = document.createElement('script');
        script.src = cdn + '/requirejs@2.3.6/require.js';
        script.onload = ok; script.onerror = fail;
        document.head.appendChild(script);
      });
      return ensureRequire.then(() => new Promise((ok, fail) => {
        window.require.config({ map: { '*': {
          'vega': cdn + '/' + paths['vega'] + '/build/vega.min.js',
          'vega-lite': cdn + '/' + paths['vega-lite'] + '/build/vega-lite.min.js',
          'vega-embed': cdn + '/' + paths['vega-embed'] + '/build/vega-embed.min.js',
        } } });
        window.require(['vega', 'vega-lite', 'vega-embed'], (vega, vl, embed) => {
          this.vega = vega; this.vegaEmbed = embed; ok();
        }, fail);
      }));
    },
    copy(items) { return JSON.parse(JSON.stringify(items || [])); },
    width() { return Math.max(240, Math.floor(this.$el.clientWidth || 480)); },
    async embed() {
      if (this.view) { this.view.finalize(); this.view = null; }
      const spec = JSON.parse(JSON.stringify(this.spec));
      spec.width = this.width();  // the whole chart fits the element (autosize fit-x)
      const result = await this.vegaEmbed(this.$refs.plot, spec, {
        actions: false, renderer: 'svg', mode: 'vega-lite',
      });
      this.view = result.view;
      this.update();
    },
    update() {
      if (!this.view) { return; }
      const vega = this.vega;
      const remove = () => true;
      this.view.change('rows', vega.changeset().remove(remove).insert(this.copy(this.rows)));
      this.view.change('marks', vega.changeset().remove(remove).insert(this.copy(this.marks)));
      return this.view.runAsync().then(() => {
        const last = this.rows && this.rows.length ? this.rows[this.rows.length - 1].step : -1;
        this.drawn_step = last;
        this.drawn += 1;
      });
    },
  },
};
</script>
<style id="ts-vega-style">
.ts-vega, .ts-vega-plot { width: 100%; }
.ts-vega-plot.vega-embed { width: 100%; display: block; }
</style>
"""


@cache
def library_paths() -> dict[str, str]:
    """``name@version`` of each library as installed by ``solara-assets`` (the newest
    matching its major version), else ``name@major`` (fetched through Solara's proxy)."""
    found = dict.fromkeys(LIBRARIES, "")
    try:
        from solara.server import settings

        folder: Path | None = Path(settings.assets.proxy_cache_dir)
    except Exception:  # pragma: no cover - solara without its server settings
        folder = None
    for name, major in LIBRARIES.items():
        candidates = sorted(
            (p.name for p in folder.glob(f"{name}@{major}.*") if p.is_dir()) if folder else [],
            key=lambda text: tuple(int(x) for x in text.split("@")[1].split(".") if x.isdigit()),
        )
        found[name] = candidates[-1] if candidates else f"{name}@{major}"
    return found


class VegaChart(v.VuetifyTemplate):
    """A Vega-Lite chart fed with named datasets ``rows`` and ``marks``."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    rows: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    marks: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    libraries = traitlets.Dict().tag(sync=True)

    @traitlets.default("libraries")
    def _libraries(self) -> dict[str, Any]:
        return library_paths()
