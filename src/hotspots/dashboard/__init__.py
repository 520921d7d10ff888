"""The analyst dashboard's building blocks (the Streamlit app is ``app.py`` + ``views/``).

Pages hold only UI code; everything they show comes from these small modules:

- :mod:`.selection` — the shared sidebar state: :func:`~.selection.current_selection`,
  :func:`~.selection.current_dataset`, :func:`~.selection.current_analysis` (use these in
  any page, e.g. Publish or Plan outreach);
- :mod:`.sidebar` — the shared sidebar (data set, filters, units, cell size, alpha, basemap);
- :mod:`.cached` — ``st.cache_*`` wrappers around the library verbs (the only computing);
- :mod:`.datasets` / :mod:`.uploads` — the bundled data and the user's uploads as a
  :class:`~.datasets.Dataset`, with the column-mapping and reject-report path;
- :mod:`.map_layers` / :mod:`.map_builder` — the light, offline folium map;
- :mod:`.charts`, :mod:`.tables`, :mod:`.downloads`, :mod:`.ui` — charts,
  display tables, files to download, colours and shared UI pieces;
- :mod:`.settings` — basemap (``HOTSPOTS_TILES_URL``, ``HOTSPOTS_TILES_ATTRIBUTION``) and limits.

Streamlit, folium and Altair come with the ``app`` extra (``pip install 'hotspots[app]'``).
"""
