"""nanodds: in-silico design and evaluation of nanomedicine drug delivery systems.

Layers (data flows one way): ``data`` (sourced parameter files) -> ``specs`` (validated, canonical-unit
specifications) -> ``model`` (assembly of a rate matrix plus named nonlinear terms) -> ``solve`` (exact linear
and stiff nonlinear backends) -> ``analysis`` (metrics, comparison) -> ``interfaces`` (CLI, web) and ``report``.
"""

__version__ = "0.1.0"
