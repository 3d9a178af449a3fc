"""cotscope's own report sections, one module each; `pyproject.toml` registers them."""
