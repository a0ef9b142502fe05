"""What callers are shown of a record, for the response models in ``schemas`` to read by attribute
(``from_attributes``): the row's own attributes, with the ones a use case adds on top — bank details opened and
masked, a notice issued with it, whether an instalment is paid."""
from __future__ import annotations


class Shown:
    """``row`` as callers see it: ``added`` attributes first, then the row's own."""

    def __init__(self, row: object, **added: object) -> None:
        self._row = row
        self.__dict__.update(added)

    def __getattr__(self, name: str) -> object:  # only for what ``added`` does not name
        return getattr(self._row, name)
