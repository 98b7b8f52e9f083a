"""Integers from outside — URL segments, query strings, form fields, JSON bodies — checked
against what the databases hold, in one place.

An id is looked up in a column that is at most a BIGINT, so anything above 2**63 - 1 cannot
exist (SQLite's driver even raises on it). A stored quantity (capacity, minutes, days) goes
into an INTEGER column, which PostgreSQL limits to 32 bits. Every interface parses integers
with the helpers below, so an out-of-range number is refused in words (422 in the API, the
form's own error on pages, 404 in URLs) and never reaches the driver.

The files read from outside (rubrics, the policy documents, the certification levels, the
escalation paths) are validated with pydantic and refused with every problem located as
(path, reason), so `file:path: reason` reads the same for all of them: the shared pieces are
at the end.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from apiflask.fields import Integer
from apiflask.validators import Range
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as ModelError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import IntegerField

DB_ID_MAX = 2**63 - 1  # the largest BIGINT: no id can be larger
DB_INT_MIN = -(2**31)  # an INTEGER column (PostgreSQL int4)
DB_INT_MAX = 2**31 - 1

# ASCII digits only: str.isdigit() accepts "²" and other digits int() refuses.
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def parse_int(value: object, *, minimum: int = -DB_ID_MAX - 1,
              maximum: int = DB_ID_MAX) -> int | None:
    """The integer a form field or query string holds, or None when it holds none in range."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not _INTEGER.fullmatch(text):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """An id (1 … 2**63 - 1) typed into a form or query string, else None."""
    return parse_int(value, minimum=1, maximum=DB_ID_MAX)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` limited to what a BIGINT column holds: a longer number is simply not found
    (404 for every method: a plain ValidationError would let another method's route with the
    same shape answer 405)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_ID_MAX)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            if value.isascii() and value.isdigit():
                raise NotFound() from None
            raise


class DbInt(Integer):
    """A JSON or query integer that an INTEGER column can store (or the range given)."""

    def __init__(self, *, minimum: int = DB_INT_MIN, maximum: int = DB_INT_MAX,
                 **kwargs: Any) -> None:
        validators = [Range(min=minimum, max=maximum)]
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.extend(extra if isinstance(extra, list | tuple) else [extra])
        super().__init__(validate=validators, **kwargs)


class DbId(DbInt):
    """A JSON or query id: 0 … 2**63 - 1 (0 is simply never found, as in the URL converter);
    larger numbers are a 422, never a driver error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(minimum=0, maximum=DB_ID_MAX, **kwargs)


class WholeNumberField(IntegerField):
    """A form's whole number, refused in words when it is none or an INTEGER column cannot
    hold it (WTForms itself says "Not a valid integer value" and lets any size through)."""

    not_a_number = "Give a whole number."

    def __init__(self, *args: Any, minimum: int = DB_INT_MIN, maximum: int = DB_INT_MAX,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0], minimum=self.minimum, maximum=self.maximum)
        if self.data is not None:
            return
        if not _INTEGER.fullmatch(str(valuelist[0]).strip()):
            raise ValueError(self.not_a_number)
        raise ValueError(f"That number is out of range: give one from {self.minimum:,} "
                         f"to {self.maximum:,}.")


# --- files from outside ------------------------------------------------------------------------


class StrictModel(BaseModel):
    """A part of a file: an unknown key is an error (a typo is never ignored); text is
    stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FileInvalid(ValueError):  # noqa: N818 - carries located problems
    """A file refused, with every problem as (path, reason); path "" is the whole file."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {reason}" if path else reason
                                   for path, reason in problems))
        self.problems = problems


def model_problems(exc: ModelError) -> list[tuple[str, str]]:
    """Pydantic's errors as (dotted path, reason), without its "Value error, " prefix."""
    return [(".".join(str(part) for part in error["loc"]),
             str(error["msg"]).removeprefix("Value error, "))
            for error in exc.errors()]


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently, which hides a mistake in a file (two
    `3:` anchors, two ids); here it is an error with its line number (a file's own loader may
    word it otherwise: `duplicate_key`)."""

    duplicate_key = "duplicate key {key!r}"


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key; the base constructor reports it
            break
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, loader.duplicate_key.format(key=key), key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                _construct_mapping)


_LIBYAML_TWINS: dict[type[Any], type[Any]] = {}


def _on_libyaml(loader: type[yaml.SafeLoader]) -> type[Any]:
    """`loader` with libyaml's C parser in place of PyYAML's own: its constructors and
    settings (everything its classes below SafeLoader define) on CSafeLoader."""
    if loader in _LIBYAML_TWINS:
        return _LIBYAML_TWINS[loader]
    below = loader.__mro__[:loader.__mro__.index(yaml.SafeLoader)]
    settings: dict[str, Any] = {}
    for cls in reversed(below):
        settings.update({k: v for k, v in vars(cls).items() if not k.startswith("__")})
    twin = _LIBYAML_TWINS[loader] = type(f"C{loader.__name__}", (yaml.CSafeLoader,), settings)
    return twin


def read_yaml(text: str | bytes, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """`yaml.load(text, Loader=loader)`, parsed by libyaml when PyYAML was built with it:
    15-30x faster, and app start reads every rubric and policy file (issue 22). A document
    libyaml refuses is read again by PyYAML's parser, so a refusal is worded as before."""
    if yaml.__with_libyaml__:
        try:
            return yaml.load(text, Loader=_on_libyaml(loader))  # noqa: S506 - a SafeLoader
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass


def load_yaml(text: str, invalid: type[FileInvalid],
              loader: type[UniqueKeyLoader] = UniqueKeyLoader) -> Any:
    """One YAML document, or `invalid` naming the line of the syntax error."""
    try:
        return read_yaml(text, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise invalid([(where, f"not valid YAML: {problem}")]) from None


def file_text(data: bytes, max_bytes: int, invalid: type[FileInvalid]) -> str:
    """A file's bytes as text: at most `max_bytes`, UTF-8 (a byte-order mark is dropped)."""
    if len(data) > max_bytes:
        raise invalid([("", f"the file is larger than {max_bytes // 1024} KB")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid([("", f"not UTF-8 text (byte {exc.start})")]) from None
