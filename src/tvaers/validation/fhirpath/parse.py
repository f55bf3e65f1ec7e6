"""FHIRPath lexer and Pratt parser for the subset the KL and core invariants use.

The grammar follows FHIRPath N1 (normative R4): literals (string, number, boolean, ``{}``,
``@date``), identifiers (plain and backticked), ``$this``/``$index``/``$total``,
``%variables``, invocation (``.name``, ``.fn(args)``), indexers, unary sign, and the binary
operators by precedence: ``* / div mod``, ``+ - &``, ``is as``, ``|``, ``< > <= >=``,
``= ~ != !~``, ``in contains``, ``and``, ``or xor``, ``implies``. The AST is nested tuples:
``("lit", value)``, ``("id", name)``, ``("var", name)``, ``("this",)``, ``("index",)``,
``("fn", name, args)``, ``("dot", left, right)``, ``("idx", left, index)``,
``("bin", op, left, right)``, ``("neg", expr)``, ``("type", op, expr, type_name)``.
"""

from __future__ import annotations

import re
from typing import Any

from tvaers.errors import InputError

Ast = tuple[Any, ...]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<date>@[0-9T:.+\-Z]+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<bt>`[^`]*`)
  | (?P<var>%[A-Za-z_][A-Za-z0-9_]*|%`[^`]*`|%'[^']*')
  | (?P<dollar>\$this|\$index|\$total)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|!~|[.()\[\],|&+\-*/=~<>{}])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {
    "'": "'",
    '"': '"',
    "`": "`",
    "\\": "\\",
    "/": "/",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_WORD_OPS = {"and", "or", "xor", "implies", "in", "contains", "is", "as", "div", "mod"}
#: Binding power of binary operators (higher binds tighter).
_POWER = {
    "implies": 10, "or": 20, "xor": 20, "and": 30, "in": 40, "contains": 40,
    "=": 50, "~": 50, "!=": 50, "!~": 50, "<": 60, ">": 60, "<=": 60, ">=": 60,
    "|": 70, "is": 80, "as": 80, "+": 90, "-": 90, "&": 90, "*": 100, "/": 100,
    "div": 100, "mod": 100,
}  # fmt: skip


class FhirPathSyntaxError(InputError):
    """The expression is not (supported) FHIRPath."""


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 5 < len(text):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def tokenize(expression: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; raises :class:`FhirPathSyntaxError` with the position."""
    tokens, pos = [], 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if match is None:
            raise FhirPathSyntaxError(f"unexpected {expression[pos]!r} at {pos} in {expression!r}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = tokenize(expression)
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("eof", "")

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if text is not None and token[1] != text:
            raise FhirPathSyntaxError(
                f"expected {text!r}, found {token[1] or 'end'!r} in {self.expression!r}"
            )
        self.pos += 1
        return token

    def expression_(self, power: int = 0) -> Ast:
        left = self.unary()
        while True:
            kind, text = self.peek()
            op = text if kind in ("op", "ident") else None
            if op not in _POWER or _POWER[op] <= power or (kind == "ident" and op not in _WORD_OPS):
                return left
            self.take()
            if op in ("is", "as"):
                left = ("type", op, left, self.type_name())
            else:
                left = ("bin", op, left, self.expression_(_POWER[op]))

    def unary(self) -> Ast:
        kind, text = self.peek()
        if kind == "op" and text in ("+", "-"):
            self.take()
            inner = self.unary()
            return ("neg", inner) if text == "-" else inner
        return self.postfix(self.primary())

    def postfix(self, node: Ast) -> Ast:
        while True:
            _kind, text = self.peek()
            if text == ".":
                self.take()
                node = ("dot", node, self.invocation())
            elif text == "[":
                self.take()
                index = self.expression_()
                self.take("]")
                node = ("idx", node, index)
            else:
                return node

    def type_name(self) -> str:
        parts = [self.identifier()]
        while self.peek()[1] == ".":
            self.take()
            parts.append(self.identifier())
        return ".".join(parts)

    def identifier(self) -> str:
        kind, text = self.take()
        if kind == "bt":
            return text[1:-1]
        if kind != "ident":
            raise FhirPathSyntaxError(f"expected a name, found {text!r} in {self.expression!r}")
        return text

    def invocation(self) -> Ast:
        kind, text = self.peek()
        if kind == "dollar":
            self.take()
            return ("this",) if text == "$this" else ("index",)
        name = self.identifier()
        if self.peek()[1] != "(":
            return ("id", name)
        self.take("(")
        args: list[Ast] = []
        if self.peek()[1] != ")":
            args.append(self.expression_())
            while self.peek()[1] == ",":
                self.take()
                args.append(self.expression_())
        self.take(")")
        return ("fn", name, tuple(args))

    def primary(self) -> Ast:
        kind, text = self.peek()
        if kind == "str":
            self.take()
            return ("lit", _unescape(text[1:-1]))
        if kind == "num":
            self.take()
            return ("lit", float(text) if "." in text else int(text))
        if kind == "date":
            self.take()
            return ("date", text[1:])
        if kind == "var":
            self.take()
            return ("var", text[1:].strip("`'"))
        if text in ("true", "false") and kind == "ident":
            self.take()
            return ("lit", text == "true")
        if text == "(":
            self.take()
            inner = self.expression_()
            self.take(")")
            return inner
        if text == "{":
            self.take()
            self.take("}")
            return ("empty",)
        if kind in ("ident", "bt", "dollar"):
            return self.invocation()
        raise FhirPathSyntaxError(f"unexpected {text or 'end'!r} in {self.expression!r}")


def parse(expression: str) -> Ast:
    """Parse one FHIRPath expression into the tuple AST."""
    parser = _Parser(expression)
    tree = parser.expression_()
    if parser.pos != len(parser.tokens):
        raise FhirPathSyntaxError(f"unexpected {parser.peek()[1]!r} in {expression!r}")
    return tree
