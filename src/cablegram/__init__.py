"""cablegram: the diplomatic telegram system."""

from cablegram.model import (
    EO,
    Address,
    Cable,
    ClassifiedBy,
    Defect,
    Header,
    Origin,
    Paragraph,
    Reference,
)

__version__ = "0.1.0"

__all__ = [
    "EO",
    "Address",
    "Cable",
    "ClassifiedBy",
    "Defect",
    "Header",
    "Origin",
    "Paragraph",
    "Reference",
    "__version__",
]
