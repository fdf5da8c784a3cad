"""The classroom view (`trustsim viz`): a Mesa SolaraViz app; see :mod:`trustsim.viz.app`.

The web modules (app, figures) import solara and Mesa's visualization only when used; the
`viz` extra installs them.
"""
