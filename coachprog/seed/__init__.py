"""The demo (`flask seed`, `demo.seed_demo`): the story every domain adds its part to, one module
per story, and the large organisation for benchmarks (`large`). Above every domain in the layer
order, so it may use all of them; no domain imports it."""
