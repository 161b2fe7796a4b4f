"""Reading hostile XML safely, and writing the OpenRosa response envelope.

Submissions are parsed with the standard library's expat, refusing any document type declaration: with no
DTD there are no entity declarations, so neither external entities (file or network reads) nor entity
expansion (billion laughs) can occur, and a reference to an undeclared entity is a syntax error. Depth and
element count are bounded as the tree is built. No third-party parser is needed for this.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, TreeBuilder, tostring
from xml.parsers import expat

MAX_DEPTH = 12
MAX_ELEMENTS = 20_000
RESPONSE_NS = "http://openrosa.org/http/response"


class UnsafeOrMalformedXml(ValueError):
    """The bytes are not a well-formed, DTD-free XML document within the limits (the message says why)."""


def parse(data: bytes) -> Element:
    """The root element of ``data``, with tags by local name (namespaces dropped) and attributes likewise."""
    parser = expat.ParserCreate(namespace_separator="}")
    builder = TreeBuilder()
    depth = 0
    count = 0

    def refuse_dtd(*_args: Any) -> None:
        raise UnsafeOrMalformedXml("a document type declaration (DTD) is not accepted")

    def refuse_external(*_args: Any) -> int:
        raise UnsafeOrMalformedXml("external entities are not accepted")

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > MAX_DEPTH:
            raise UnsafeOrMalformedXml(f"the XML is nested deeper than {MAX_DEPTH} levels")
        if count > MAX_ELEMENTS:
            raise UnsafeOrMalformedXml(f"the XML has more than {MAX_ELEMENTS} elements")
        builder.start(_local(tag), {_local(name): value for name, value in attributes.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_local(tag))

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close()
    except expat.ExpatError as error:
        raise UnsafeOrMalformedXml(
            f"the XML is not well-formed: {expat.ErrorString(error.code)} at line {error.lineno}, column {error.offset}"
        ) from None
    except AssertionError:  # TreeBuilder.close() on a document that never closed its root
        raise UnsafeOrMalformedXml("the XML is not well-formed: it ends early") from None


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def envelope(message: str) -> bytes:
    """``<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message>…</message></OpenRosaResponse>``."""
    root = Element("OpenRosaResponse", xmlns=RESPONSE_NS)
    SubElement(root, "message").text = message
    return document(root)


def document(root: Element) -> bytes:
    """``root`` as a UTF-8 XML document with its declaration."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode()
