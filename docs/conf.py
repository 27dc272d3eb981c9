"""Sphinx configuration of the lralg documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` with the
``docs`` extra installed (``pip install ".[docs]"``). The API reference is
read from the installed package's docstrings.
"""

import lralg

project = "lralg"
author = "the lralg developers"
copyright = "the lralg developers, BSD-3-Clause"
release = lralg.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

autodoc_typehints = "none"  # the Parameters sections give the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_attributes_as_param_list = True

# Every cross-reference must resolve (with -W, a broken one fails the build).
nitpicky = True

html_theme = "furo"
html_title = f"lralg {release}"
