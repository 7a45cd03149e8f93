"""Building blocks of :mod:`newslake.extract` (HTML input, text blocks, dates, metadata, lineage).

Import :func:`newslake.extract.extract_article` rather than these modules: their APIs are internal
and may change with the extractor version.
"""
