"""FHIRPath lexer and precedence-climbing parser (FHIRPath N1 grammar).

Precedence, loosest first: ``implies``; ``or xor``; ``and``; ``in contains``;
``= ~ != !~``; ``< > <= >=``; ``|``; ``is as``; ``+ - &``; ``* / div mod``; unary ``+ -``;
then ``.`` invocation and ``[]`` indexing. Errors carry the character offset.
"""

from __future__ import annotations

import re
from decimal import Decimal

from tvaers.fhir.fhirpath import ast
from tvaers.fhir.fhirpath.errors import FhirPathSyntaxError
from tvaers.fhir.fhirpath.temporal import parse_date, parse_datetime, parse_time

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<datetime>@\d{4}(?:-\d{2}(?:-\d{2})?)?T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<date>@\d{4}(?:-\d{2}(?:-\d{2})?)?)
  | (?P<time>@T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<delimited>`(?:[^`\\]|\\.)*`)
  | (?P<special>\$(?:this|index|total))
  | (?P<var>%(?:[A-Za-z_][A-Za-z0-9_]*|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|!~|[-+*/&|=~<>()\[\].,{}])
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

# Binary operators by precedence level (index = binding power; higher binds tighter).
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"implies"}),
    frozenset({"or", "xor"}),
    frozenset({"and"}),
    frozenset({"in", "contains"}),
    frozenset({"=", "~", "!=", "!~"}),
    frozenset({"<", ">", "<=", ">="}),
    frozenset({"|"}),
    frozenset({"is", "as"}),
    frozenset({"+", "-", "&"}),
    frozenset({"*", "/", "div", "mod"}),
)
_POWER = {op: level for level, ops in enumerate(_LEVELS) for op in ops}
_WORD_OPS = frozenset({"implies", "or", "xor", "and", "in", "contains", "is", "as", "div", "mod"})
_CALENDAR_UNITS = frozenset(
    {
        "year", "years", "month", "months", "week", "weeks", "day", "days",
        "hour", "hours", "minute", "minutes", "second", "seconds", "millisecond", "milliseconds",
    }
)  # fmt: skip


class Token:
    """One lexical token: kind, text and offset."""

    __slots__ = ("kind", "pos", "text")

    def __init__(self, kind: str, text: str, pos: int):
        self.kind, self.text, self.pos = kind, text, pos

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text!r}@{self.pos}"


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens (whitespace and comments dropped)."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise FhirPathSyntaxError(f"unexpected character {source[pos]!r}", source, pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("eof", "", len(source)))
    return tokens


def unescape(body: str) -> str:
    """Resolve FHIRPath string escapes (``\\'``, ``\\n``, ``\\uXXXX``)."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 6 <= len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class Parser:
    """Recursive-descent parser over the token list."""

    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    def parse(self) -> ast.Node:
        if self.peek().kind == "eof":
            raise FhirPathSyntaxError("empty expression", self.source, 0)
        node = self.expression(0)
        tok = self.peek()
        if tok.kind != "eof":
            raise FhirPathSyntaxError(f"unexpected {tok.text!r}", self.source, tok.pos)
        return node

    # -- token helpers ------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.advance()
        if tok.text != text or tok.kind not in ("op", "ident"):
            shown = tok.text or "end of expression"
            raise FhirPathSyntaxError(f"expected {text!r}, found {shown!r}", self.source, tok.pos)
        return tok

    def _binary_op(self) -> str | None:
        tok = self.peek()
        if tok.kind == "op" and tok.text in _POWER:
            return tok.text
        if tok.kind == "ident" and tok.text in _WORD_OPS:
            return tok.text
        return None

    # -- grammar ------------------------------------------------------------------------
    def expression(self, min_level: int) -> ast.Node:
        left = self.unary()
        while True:
            op = self._binary_op()
            if op is None or _POWER[op] < min_level:
                return left
            tok = self.advance()
            if op in ("is", "as"):
                left = ast.TypeTest(tok.pos, op, left, self.type_specifier())
                continue
            right = self.expression(_POWER[op] + 1)
            left = ast.Binary(tok.pos, op, left, right)

    def type_specifier(self) -> str:
        parts = [self.identifier()]
        while self.peek().text == "." and self.peek().kind == "op":
            self.advance()
            parts.append(self.identifier())
        return ".".join(parts)

    def identifier(self) -> str:
        tok = self.advance()
        if tok.kind == "ident":
            return tok.text
        if tok.kind == "delimited":
            return unescape(tok.text[1:-1])
        shown = tok.text or "end of expression"
        raise FhirPathSyntaxError(f"expected an identifier, found {shown!r}", self.source, tok.pos)

    def unary(self) -> ast.Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.advance()
            return ast.Unary(tok.pos, tok.text, self.unary())
        return self.postfix(self.term())

    def postfix(self, node: ast.Node) -> ast.Node:
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text == ".":
                self.advance()
                node = ast.Invoke(tok.pos, node, self.invocation())
            elif tok.kind == "op" and tok.text == "[":
                self.advance()
                index = self.expression(0)
                self.expect("]")
                node = ast.Index(tok.pos, node, index)
            else:
                return node

    def invocation(self) -> ast.Node:
        tok = self.peek()
        if tok.kind == "special":
            self.advance()
            return ast.Special(tok.pos, tok.text[1:])
        name = self.identifier()
        if self.peek().kind == "op" and self.peek().text == "(":
            return ast.Call(tok.pos, name, self.arguments())
        return ast.Member(tok.pos, name)

    def arguments(self) -> tuple[ast.Node, ...]:
        self.expect("(")
        args: list[ast.Node] = []
        if self.peek().text != ")":
            args.append(self.expression(0))
            while self.peek().kind == "op" and self.peek().text == ",":
                self.advance()
                args.append(self.expression(0))
        self.expect(")")
        return tuple(args)

    def term(self) -> ast.Node:
        tok = self.peek()
        kind = tok.kind
        if kind == "op" and tok.text == "(":
            self.advance()
            node = self.expression(0)
            self.expect(")")
            return node
        if kind == "op" and tok.text == "{":
            self.advance()
            self.expect("}")
            return ast.Literal(tok.pos, None)
        if kind == "number":
            return self.number()
        if kind == "string":
            self.advance()
            return ast.Literal(tok.pos, unescape(tok.text[1:-1]))
        if kind in ("date", "datetime", "time"):
            return self.temporal()
        if kind == "var":
            self.advance()
            name = tok.text[1:]
            if name[0] in "'`":
                name = unescape(name[1:-1])
            return ast.Variable(tok.pos, name)
        if kind == "ident" and tok.text in ("true", "false"):
            self.advance()
            return ast.Literal(tok.pos, tok.text == "true")
        if kind in ("ident", "delimited", "special"):
            return self.invocation()
        shown = tok.text or "end of expression"
        raise FhirPathSyntaxError(f"unexpected {shown!r}", self.source, tok.pos)

    def number(self) -> ast.Node:
        tok = self.advance()
        value: int | Decimal = Decimal(tok.text) if "." in tok.text else int(tok.text)
        nxt = self.peek()
        unit: str | None = None
        if nxt.kind == "string":
            unit = unescape(self.advance().text[1:-1])
        elif nxt.kind == "ident" and nxt.text in _CALENDAR_UNITS:
            unit = self.advance().text
        if unit is None:
            return ast.Literal(tok.pos, value)
        from tvaers.fhir.fhirpath.values import Quantity

        return ast.Literal(tok.pos, Quantity(Decimal(value), unit))

    def temporal(self) -> ast.Node:
        tok = self.advance()
        text = tok.text[1:]
        if tok.kind == "time":
            value = parse_time(text[1:])
        elif tok.kind == "date":
            value = parse_date(text)
        else:
            value = parse_datetime(text.rstrip("T") if text.endswith("T") else text)
        if value is None:
            raise FhirPathSyntaxError(
                f"invalid date/time literal {tok.text!r}", self.source, tok.pos
            )
        return ast.Literal(tok.pos, value)


def parse(source: str) -> ast.Node:
    """Parse a FHIRPath expression into an AST (raises :class:`FhirPathSyntaxError`)."""
    if not isinstance(source, str):
        raise FhirPathSyntaxError(
            f"expression must be a string, not {type(source).__name__}", "", 0
        )
    return Parser(source).parse()
