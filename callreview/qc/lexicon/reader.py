"""Reading a lexicon's own kinds of value from parsed TOML: phrases, slot patterns, shapes."""

from __future__ import annotations

from functools import partial
from typing import Any, TypeVar

from callreview.matching import (
    MatchRules,
    Pattern,
    Phrase,
    PhraseSet,
    Shape,
    compile_pattern,
    compile_phrase,
    compile_shape,
)
from callreview.text import normalize
from callreview.tomlfile import TomlReader, _kind

S = TypeVar("S", bound=str)


class LexiconReader(TomlReader):
    """:class:`~callreview.tomlfile.TomlReader` plus the lexicon's own kinds of value: phrases,
    patterns, shapes."""

    def section(self, data: dict, key: str, where: str) -> dict[str, Any]:
        """A required table: :meth:`table` refuses a missing one, so this is never None."""
        found = self.table(data, key, where)
        assert found is not None
        return found

    def one_of(self, data: dict, key: str, where: str, choices: tuple[S, ...], default: S) -> S:
        """:meth:`choice`, typed as the choices are (a ``Literal`` of them)."""
        value = self.choice(data, key, where, choices, default)
        return next(c for c in choices if c == value)

    def phrases(
        self, data: dict, key: str, where: str, rules: MatchRules, required: bool = True
    ) -> tuple[Phrase, ...]:
        """A list of phrases: each text, or a table {phrase = "…", threshold = 90, review_margin =
        5}."""
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(where, f"missing '{key}'; add {key} = [\"…\"]")
            return PhraseSet()
        if not isinstance(value, list):
            raise self.fail(where, f"'{key}' must be a list of phrases, not {_kind(value)}")
        if required and not value:
            raise self.fail(
                where, f"'{key}' is empty; add at least one phrase, or the item can never pass"
            )
        out = []
        for i, item in enumerate(value):
            at = f"{where}.{key}[{i}]"
            if isinstance(item, dict):
                self.known(item, at, ("phrase", "threshold", "review_margin"))
                text = self.text(item, "phrase", at)
                threshold = (
                    self.number(item, "threshold", at, 0, 0, 100) if "threshold" in item else None
                )
                margin = (
                    self.number(item, "review_margin", at, 0, 0, 100)
                    if "review_margin" in item
                    else None
                )
                out.append(
                    self.compiled(partial(compile_phrase, text, rules, threshold, margin), at)
                )
            elif isinstance(item, str) and normalize(item):
                if "{" in item:
                    raise self.fail(
                        at,
                        f"{item!r} has a {{slot}}, which only greeting patterns and "
                        "names.self_name take",
                    )
                out.append(self.compiled(partial(compile_phrase, item, rules), at))
            else:
                raise self.fail(at, f'must be a phrase (text or {{phrase = "…"}}), not {item!r}')
        return PhraseSet(out)

    def patterns(
        self,
        data: dict,
        key: str,
        where: str,
        rules: MatchRules,
        slots: tuple[str, ...],
        required: bool = True,
    ) -> tuple[Pattern, ...]:
        """A list of slot patterns (``我是{company}的{agent}``), each taking the first of ``slots``
        and no slot outside them."""
        out = []
        for i, text in enumerate(self.strings(data, key, where, required)):
            at = f"{where}.{key}[{i}]"
            pattern = self.compiled(partial(compile_pattern, text, rules), at)
            for slot in pattern.slots:
                if slot not in slots:
                    raise self.fail(
                        at,
                        f"unknown slot {{{slot}}} in {text!r}; this list takes "
                        f"{', '.join('{' + s + '}' for s in slots)}",
                    )
            if not set(pattern.slots) & set(slots[:1]):
                raise self.fail(at, f"{text!r} must take {{{slots[0]}}}")
            out.append(pattern)
        return tuple(out)

    def shapes(self, data: dict, key: str, where: str) -> tuple[Shape, ...]:
        """An optional list of sentence shapes (``还有 (其他|别的) … 吗``)."""
        return tuple(
            self.compiled(partial(compile_shape, text), f"{where}.{key}[{i}]")
            for i, text in enumerate(self.strings(data, key, where, required=False))
        )
