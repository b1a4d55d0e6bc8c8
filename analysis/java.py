"""The Java adapter: one tree-sitter-java parse of a file into the shared model (analysis/model.py).

Facts only, as the other adapters give them: imports; types with their bases and annotations; methods,
constructors and lambdas with parameters, annotations, visibility and complexity; calls and constructor
invocations with their arguments; assignments; annotation attributes, map-style `put(key, value)` calls and
literal fields as settings; catch clauses with what their body does; throws; exception details put into
responses; routes; tests and fixtures; raw generic types and `Object` parameters in signatures.

How it reads (speed: this runs on every Java file of the target): one tree-sitter query (analysis.treesitter
NodeIndex) captures only the node types read here, and one sweep over them in document order keeps a stack of
the scopes around each node (function, class, catch body, loop body), so a node's context is known without
climbing parents. Catch bodies and signatures are small: they are the only subtrees read child by child.

Conventions of this adapter (see analysis/model.py for the fields):

* A lambda is a `Function` named `<lambda>` (complexity counted apart from the method around it); an abstract
  or interface method without a body is not a `Function` (its annotations still give routes and type uses).
* `visibility`: "public" for a public member or an interface member that is not private, "private" for a
  private one, "" for protected and package-private members.
* A method annotation's attributes are `Setting`s of the method they annotate (`function` is its index).
* `Handler.catch_all` is a catch of `Exception`, `Throwable` or `RuntimeException` (what Java code means by
  catching everything); `Handler.handler` of a record is the innermost catch around it in the same function.
* Routes: a type's own mapping (`@RequestMapping`, JAX-RS `@Path`, Micronaut `@Controller`) is a `Mount` with
  parent "" and child `java:<package>.<Type>`, one per path; a mapped method is a `RouteDecl` owned by that key
  (also on interfaces: controllers inherit them); a type's supertypes are `Mount`s from the type to
  `java:<resolved name>` with guard "extends" or "implements" and an empty prefix, so the resolver
  (analysis/routes/java.py) can tell implemented interfaces from superclasses. A path built from constants is
  a template with holes ("\\x00Paths.API\\x00/users", known False) that the resolver fills.
* `TypeUse` "raw-type": a generic type written without type arguments, its name resolved through the imports
  (text "java.util.List"; the bare name when no import says, e.g. "List" in a file without imports), so
  `org.springframework.amqp.core.Queue` is not mistaken for `java.util.Queue`. "object": an `Object`
  parameter. Both on every method, constructor and field signature, with `public` telling public ones.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from analysis.model import (
    BODY_BROKEN,
    BODY_EMPTY,
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_PASSES_ON,
    BODY_PRINTS_STACK,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_ROLLBACK,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_BROKEN,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_NEW,
    CALL_STATEMENT,
    EXPOSE_BROKEN,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ERROR_MIDDLEWARE,
    EXPOSE_STACK,
    RAISE_CHAINED,
    RAISE_MESSAGE_ONLY,
    RAISE_RERAISE,
    TEXT_CAP,
    Assign,
    Call,
    Class,
    Exposure,
    FileModel,
    Function,
    Handler,
    Import,
    Mount,
    Param,
    Raise,
    RouteDecl,
    Setting,
    TestCase,
    TypeUse,
    Value,
)
from analysis.treesitter import NodeIndex, Source, parse

if TYPE_CHECKING:
    import tree_sitter

__all__ = ["HOLE", "JAVA_GENERIC_TYPES", "PARSER", "analyse_java", "annotation_name"]

PARSER = "tree-sitter-java"
HOLE = "\x00"  # a hole in a path template: the text between two holes is the reference that fills it

# Generic types that, written without type arguments, turn their element types into unchecked Object.
JAVA_GENERIC_TYPES = frozenset({
    *(f"java.util.{n}" for n in (
        "List", "ArrayList", "LinkedList", "Map", "HashMap", "LinkedHashMap", "TreeMap", "Set", "HashSet",
        "LinkedHashSet", "TreeSet", "Collection", "Iterator", "Queue", "Deque", "Optional", "Comparator",
        "Map.Entry", "SortedMap", "NavigableMap", "SortedSet", "ArrayDeque", "PriorityQueue", "Vector", "Stack",
        "Hashtable", "EnumMap", "WeakHashMap", "ListIterator")),
    *(f"java.util.concurrent.{n}" for n in (
        "ConcurrentHashMap", "ConcurrentMap", "Future", "CompletableFuture", "Callable", "BlockingQueue",
        "CompletionStage", "CopyOnWriteArrayList")),
    "java.util.stream.Stream",
    *(f"java.util.function.{n}" for n in ("Supplier", "Function", "Consumer", "Predicate", "BiFunction",
                                          "BiConsumer", "UnaryOperator", "BinaryOperator")),
    "java.lang.Class", "java.lang.Comparable", "java.lang.Iterable", "java.lang.ThreadLocal",
    "org.springframework.http.ResponseEntity", "org.springframework.http.HttpEntity",
    "org.springframework.data.domain.Page", "org.springframework.data.domain.Slice",
    "reactor.core.publisher.Mono", "reactor.core.publisher.Flux",
})
_GENERIC_BY_NAME: dict[str, set[str]] = {}
for _fq in JAVA_GENERIC_TYPES:
    _GENERIC_BY_NAME.setdefault(_fq.rsplit(".", 1)[-1], set()).add(_fq)
_GENERIC_WORD = re.compile(r"(?<![\w$])(?:" + "|".join(sorted(_GENERIC_BY_NAME, key=len, reverse=True)) + r")(?![\w$])")
_SIGNATURE_HINT = re.compile(r"(?<![\w$])(?:Object|" + "|".join(sorted(_GENERIC_BY_NAME, key=len, reverse=True))
                             + r")(?![\w$])")
# The generics the old scanner knew by simple name: a file that does not import the name is read as meaning them.
_UNIMPORTED_GENERICS = frozenset({
    "List", "ArrayList", "LinkedList", "Map", "HashMap", "LinkedHashMap", "TreeMap", "ConcurrentHashMap", "Set",
    "HashSet", "LinkedHashSet", "TreeSet", "Collection", "Iterable", "Iterator", "Queue", "Deque", "Optional",
    "Class", "Comparable", "Comparator", "Stream", "Future", "CompletableFuture", "Supplier", "Function",
    "Consumer", "Predicate", "BiFunction", "Callable", "ResponseEntity", "HttpEntity", "Page", "Slice", "Mono",
    "Flux", "Entry",
})
_JAVA_LANG = frozenset({
    "System", "String", "Integer", "Long", "Double", "Float", "Boolean", "Character", "Byte", "Short", "Math",
    "Thread", "Runtime", "Object", "Class", "Exception", "RuntimeException", "Throwable", "Error",
    "IllegalArgumentException", "IllegalStateException", "StringBuilder", "Iterable", "Comparable", "ThreadLocal",
    "Enum", "Record", "Number", "Void", "Process", "ProcessBuilder", "ClassLoader",
})

_CLASS_KINDS = {"class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
                "record_declaration": "class", "annotation_type_declaration": "interface"}
_FUNCTION_TYPES = frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration",
                             "lambda_expression"})
_LOOPS = frozenset({"for_statement", "enhanced_for_statement", "while_statement", "do_statement"})
_STATEMENTS = frozenset({
    "expression_statement", "local_variable_declaration", "return_statement", "if_statement", "try_statement",
    "try_with_resources_statement", "throw_statement", "break_statement", "continue_statement", "yield_statement",
    "synchronized_statement", "labeled_statement", "assert_statement", "switch_expression", *_LOOPS,
})
_CALLS = frozenset({"method_invocation", "object_creation_expression", "explicit_constructor_invocation"})
_INDEXED = (
    *_CLASS_KINDS, *_FUNCTION_TYPES, *_STATEMENTS, *_CALLS, "import_declaration", "package_declaration",
    "field_declaration", "constant_declaration", "assignment_expression", "annotation", "catch_clause",
    "ternary_expression", "switch_label", "&&", "||",
)
_COMMENTS = frozenset({"line_comment", "block_comment"})
_NUMBERS = frozenset({"decimal_integer_literal", "hex_integer_literal", "octal_integer_literal",
                      "binary_integer_literal", "decimal_floating_point_literal", "hex_floating_point_literal"})

_CATCH_ALL = frozenset({"Exception", "Throwable", "RuntimeException"})
_LOG_METHODS = frozenset({"error", "warn", "info", "debug", "trace", "fatal", "log", "println", "print", "printf",
                          "severe", "warning", "captureException", "captureMessage"})
_PASS_ON = frozenset({"completeExceptionally", "onError", "fail", "resume", "setException", "tryEmitError",
                      "emitError", "reject", "obtrudeException"})
_EXIT_CALLS = frozenset({"System.exit", "Runtime.getRuntime().exit", "Runtime.getRuntime().halt",
                         "SpringApplication.exit"})
_TRIVIAL_VALUES = frozenset({"null", "false", "Optional.empty()", "Collections.emptyList()", "List.of()",
                             "Collections.emptyMap()", "Map.of()", "Collections.emptySet()", "Set.of()", "0", "-1",
                             '""'})
_DETAIL_METHODS = frozenset({"getMessage", "getLocalizedMessage", "toString", "getStackTrace", "getCause"})
_SINK_TYPES = frozenset({"ResponseEntity", "ResponseStatusException", "ErrorResponse", "ApiError"})
_CENTRAL_ANNOTATIONS = frozenset({"ExceptionHandler", "ControllerAdvice", "RestControllerAdvice"})

# Routes
_SPRING_MAPPINGS = {"GetMapping": "GET", "PostMapping": "POST", "PutMapping": "PUT", "PatchMapping": "PATCH",
                    "DeleteMapping": "DELETE", "RequestMapping": "ANY"}
_JAXRS_VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_MICRONAUT_VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE",
                    "Head": "HEAD", "Options": "OPTIONS", "Trace": "TRACE"}
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"})
_PLACEHOLDER = re.compile(r"^\$\{[^:}]*(?::([^}]*))?\}$")

# Tests
_TEST_ANNOTATIONS = {"Test": "test", "ParameterizedTest": "test", "RepeatedTest": "test", "TestFactory": "test",
                     "TestTemplate": "test", "Property": "property", "Example": "test", "ArchTest": "test"}
_FIXTURE_ANNOTATIONS = frozenset({
    # JUnit 4/5 and TestNG setup hooks
    "BeforeEach", "BeforeAll", "Before", "BeforeClass", "BeforeMethod", "BeforeSuite", "BeforeTest",
    "AfterEach", "AfterAll", "After", "AfterClass", "TestConfiguration", "Container",
    # JUnit 5 extensions and JUnit 4 rules: setup supplied by a reusable component
    "ExtendWith", "RegisterExtension", "Rule", "ClassRule", "TempDir", "Testcontainers", "DynamicPropertySource",
    # Spring test slices and injected test doubles: the framework builds the fixture
    "SpringBootTest", "WebMvcTest", "WebFluxTest", "DataJpaTest", "DataJdbcTest", "JdbcTest", "JooqTest", "JsonTest",
    "RestClientTest", "DataMongoTest", "DataR2dbcTest", "DataRedisTest", "DataCassandraTest", "DataNeo4jTest",
    "DataElasticsearchTest", "GraphQlTest", "AutoConfigureMockMvc", "AutoConfigureWebTestClient",
    "ContextConfiguration", "SpringJUnitConfig", "MockBean", "MockitoBean", "SpyBean", "MockitoSpyBean", "Autowired",
    # Mockito, Quarkus, Micronaut
    "Mock", "InjectMocks", "Spy", "Captor", "QuarkusTest", "MicronautTest", "InjectMock",
})

_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
_IMPORT = re.compile(r"import\s+(static\s+)?([\w$.\s]+?)\s*(\.\s*\*)?\s*;", re.S)
_TYPE_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*")


def annotation_name(text: str) -> str:
    """`@org.x.RequestMapping(value = "/a")` -> `RequestMapping`."""
    return text.lstrip("@").split("(", 1)[0].strip().rsplit(".", 1)[-1]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "s": " ", "0": "\0", "\\": "\\", "'": "'",
              '"': '"'}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u":
                j = i + 1
                while j < len(body) and body[j] == "u":
                    j += 1
                digits = body[j:j + 4]
                if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                    out.append(chr(int(digits, 16)))
                    i = j + 4
                    continue
            out.append(simple.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class _Frame:
    """A scope open at some point of the sweep, with what it says about the nodes inside it."""

    __slots__ = ("bound", "chain", "end", "flags", "fn", "handler", "in_lambda", "in_loop", "key", "kind", "owner",
                 "qual", "test")

    def __init__(self, end: int, fn: int, handler: int, chain: tuple[int, ...], in_loop: bool, in_lambda: bool,
                 owner: str, qual: str, kind: str, key: str, bound: dict[str, tuple[str, ...]], test: bool) -> None:
        self.end, self.fn, self.handler, self.chain = end, fn, handler, chain
        self.in_loop, self.in_lambda, self.owner, self.qual = in_loop, in_lambda, owner, qual
        self.kind, self.key, self.bound, self.test = kind, key, bound, test
        # the CALL_* bits every call in this scope carries
        self.flags = (CALL_IN_LOOP if in_loop else 0) | (CALL_IN_LAMBDA if in_lambda else 0) | (
            CALL_IN_TEST if test else 0)


class _Reader:
    def __init__(self, path: str, role: str, source: Source) -> None:
        self.path, self.role, self.s = path, role, source
        self.partial = source.tree.root_node.has_error  # facts in the parts that did not parse are flagged
        self.test_file = role == "test"
        self.package = ""
        self.imports: list[Import] = []
        self.local: dict[str, str] = {}  # simple name -> fully qualified, from single-type and static imports
        self.wildcards: list[str] = []  # packages (and classes, for static imports) imported with `.*`
        self.declared: set[str] = set()  # type names and type parameters declared in this file
        self.functions: list[Function] = []
        self.complexity: list[int] = []
        self.statements: list[int] = []
        self.classes: list[Class] = []
        self.calls: list[Call] = []
        self.assigns: list[Assign] = []
        self.settings: list[Setting] = []
        self.handlers: list[Handler] = []
        self.handler_flags: list[int] = []
        self.handler_statements: list[int] = []
        self.handler_calls: list[int] = []  # calls in the body other than printStackTrace and prints
        self.raises: list[Raise] = []
        self.exposures: list[Exposure] = []
        self.routes: list[RouteDecl] = []
        self.mounts: list[Mount] = []
        self.tests: list[TestCase] = []
        self.type_uses: list[TypeUse] = []
        self.markers: set[str] = set()
        self.sinks: list[tuple[tree_sitter.Node, tree_sitter.Node, str, _Frame]] = []  # (call, arguments, name, frame)
        self.statement_calls: set[tuple[int, int]] = set()  # spans of expressions that are a whole statement
        self._strings: dict[str, str] = {}
        self.details: list[tuple[int, str, str]] = []  # (start byte, error variable, detail text) of e.getMessage()
        self.micronaut = False
        self.junit3 = False
        self.test_framework = ""

    def intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    # -- text ---------------------------------------------------------------------------------------------------
    def text(self, node: tree_sitter.Node | None) -> str:
        return self.s.text(node)

    def full(self, node: tree_sitter.Node | None) -> str:
        """The whole text of a short node (a name, a literal)."""
        return self.s.data[node.start_byte:node.end_byte].decode("utf-8", "replace") if node is not None else ""

    # -- the sweep ------------------------------------------------------------------------------------------------
    def read(self, index: NodeIndex) -> None:
        for node in index["package_declaration"][:1]:
            name = next((c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None)
            self.package = "".join(self.full(name).split())
            if self.package:
                self.markers.add("package:" + self.package)
        for node in index["import_declaration"]:
            self._import(node)
        self.micronaut = any(i.module.startswith("io.micronaut.http") for i in self.imports)
        full_imports = [f"{i.module}.{i.name}" for i in self.imports]
        if any("org.junit.jupiter" in f for f in full_imports):
            self.test_framework = "junit5"
        elif any(f.startswith("org.junit.") for f in full_imports):
            self.test_framework = "junit4"
        elif any(f.startswith("org.testng") for f in full_imports):
            self.test_framework = "testng"
        # every node in document order, an enclosing node before what it encloses: key start * 2^32 - end
        items: list[tuple[int, int, str, tree_sitter.Node]] = []
        add = items.append
        seq = 0
        for node_type in _INDEXED:
            if node_type in ("import_declaration", "package_declaration"):
                continue
            for node in index[node_type]:
                seq += 1
                add(((node.start_byte << 32) - node.end_byte, seq, node_type, node))
                if node_type in _LOOPS:
                    body = node.child_by_field_name("body")
                    if body is not None:
                        seq += 1
                        add(((body.start_byte << 32) - body.end_byte, seq, "loop-body", body))
                elif node_type == "object_creation_expression":
                    last = node.named_children[-1] if node.named_child_count else None
                    if last is not None and last.type == "class_body":
                        seq += 1
                        add(((last.start_byte << 32) - last.end_byte, seq, "anonymous-class", last))
                elif node_type in _CLASS_KINDS:
                    self._declared(node)
        items.sort()
        root = _Frame(1 << 62, -1, -1, (), False, False, "", "", "file", "", {}, self.test_file)
        stack = [root]
        for key, _seq, node_type, node in items:
            start = (key + 0xFFFFFFFF) >> 32
            while stack[-1].end <= start:
                stack.pop()
            frame = stack[-1]
            if node_type in _STATEMENTS:
                if node_type == "expression_statement":
                    expr = node.child(0)
                    if expr is not None and expr.type == "method_invocation":
                        self.statement_calls.add((expr.start_byte, expr.end_byte))
                if frame.fn >= 0:
                    self.statements[frame.fn] += 1
                for h in frame.chain:
                    self.handler_statements[h] += 1
                if node_type in _LOOPS or node_type == "if_statement":
                    self._decision(frame)
                if node_type == "local_variable_declaration":
                    self._declaration(node, frame)
                elif node_type == "return_statement":
                    self._return(node, frame)
                elif node_type == "throw_statement":
                    self._throw(node, frame)
                continue
            if node_type in _CALLS:
                self._call(node, node_type, frame)
            elif node_type in _FUNCTION_TYPES:
                pushed = self._function(node, node_type, frame)
                if pushed is not None:
                    stack.append(pushed)
            elif node_type in _CLASS_KINDS:
                stack.append(self._class(node, node_type, frame))
            elif node_type == "catch_clause":
                self._decision(frame)
                stack.append(self._catch(node, frame))
            elif node_type == "loop-body":
                stack.append(_Frame(node.end_byte, frame.fn, frame.handler, frame.chain, True, frame.in_lambda,
                                    frame.owner, frame.qual, "loop", frame.key, frame.bound, frame.test))
            elif node_type == "anonymous-class":
                stack.append(_Frame(node.end_byte, frame.fn, -1, (), False, frame.in_lambda, "", frame.qual,
                                    "anonymous", "", {}, frame.test))
            elif node_type in ("ternary_expression", "&&", "||"):
                self._decision(frame)
            elif node_type == "switch_label":
                if self.s.data[node.start_byte:node.start_byte + 4] == b"case":
                    self._decision(frame)
            elif node_type == "field_declaration" or node_type == "constant_declaration":
                self._field(node, frame)
            elif node_type == "assignment_expression":
                self._assignment(node, frame)
            elif node_type == "annotation":
                self._annotation_settings(node, frame)
        self._finish_handlers()
        self._exposures()

    def _decision(self, frame: _Frame) -> None:
        if frame.fn >= 0:
            self.complexity[frame.fn] += 1

    # -- imports and names --------------------------------------------------------------------------------------
    def _import(self, node: tree_sitter.Node) -> None:
        match = _IMPORT.match(self.full(node))
        if match is None:
            return
        static, dotted, star = match.group(1), "".join(match.group(2).split()), match.group(3)
        line = self.s.line(node)
        if star:
            self.imports.append(Import(dotted, "*", "", line))
            if not static:
                self.wildcards.append(dotted)
            return
        module, _, name = dotted.rpartition(".")
        self.imports.append(Import(module, name, name, line))
        self.local.setdefault(name, dotted)

    def _declared(self, node: tree_sitter.Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.declared.add(self.full(name))

    def qualify(self, callee: str) -> str:
        head, _, rest = callee.partition(".")
        target = self.local.get(head)
        if target is None:
            if head in _JAVA_LANG and head not in self.declared:
                target = "java.lang." + head
            else:
                return ""
        return f"{target}.{rest}" if rest else target

    def resolve_type(self, name: str) -> str:
        """A type name as written (`Queue`, `Map.Entry`, `a.b.C`) resolved through the imports; "" when no
        import or declaration says what it is."""
        head, _, rest = name.partition(".")
        if head in self.declared:
            return (self.package + "." if self.package else "") + name
        target = self.local.get(head)
        if target is not None:
            return f"{target}.{rest}" if rest else target
        if head[:1].islower():
            return name  # already qualified: java.util.List
        for package in self.wildcards:
            candidate = f"{package}.{name}"
            if candidate in JAVA_GENERIC_TYPES:
                return candidate
        if "java.lang." + head in JAVA_GENERIC_TYPES and not rest:
            return "java.lang." + head
        return ""

    def _raw(self, written: str) -> str | None:
        """The resolved name of a raw generic type, or None when `written` does not name a known generic."""
        simple = written.rsplit(".", 1)[-1]
        if simple not in _GENERIC_BY_NAME:
            return None
        resolved = self.resolve_type(written)
        if resolved:
            return resolved if resolved in JAVA_GENERIC_TYPES else None
        if self.wildcards or written.split(".", 1)[0] in self.declared:
            return None  # the name comes from a package imported whole, or the file's own types
        return written if simple in _UNIMPORTED_GENERICS else None

    # -- values ---------------------------------------------------------------------------------------------------
    def value(self, node: tree_sitter.Node, keyword: str = "") -> Value:
        t = node.type
        if t == "identifier":
            text = self.full(node)
            return ("name", text, (text,), keyword, None)
        if t == "string_literal":
            return ("str", self.text(node), (), keyword, self._string(node))
        outer = node
        while node.type == "parenthesized_expression" and node.named_child_count == 1:
            node = node.named_children[0]
        if node is not outer:
            kind, _text, names, _kw, literal = self.value(node, keyword)
            return (kind, self.text(outer), names, keyword, literal)
        t = node.type
        if t == "string_literal":
            text = self.text(node)
            return ("str", text, (), keyword, self._string(node))
        if t in _NUMBERS:
            return ("num", self.text(node), (), keyword, None)
        if t == "true" or t == "false":
            return ("bool", t, (), keyword, None)
        if t == "null_literal":
            return ("none", "null", (), keyword, None)
        if t == "character_literal":
            text = self.text(node)
            return ("str", text, (), keyword, _unescape(text[1:-1]))
        if t == "identifier" or t == "this":
            text = self.full(node)
            return ("name", text, (text,), keyword, None)
        if t == "field_access":
            text = self.norm(node) or self.text(node)
            root = text.split(".", 1)[0]
            return ("attr", text, (root,) if root.isidentifier() else (), keyword, None)
        if t == "method_invocation":
            name = self.full(node.child_by_field_name("name"))
            obj = node.child_by_field_name("object")
            obj_text = self.full(obj) if obj is not None and obj.end_byte - obj.start_byte < 64 else ""
            if (name == "format" and obj_text in ("String", "MessageFormat")) or (
                    name == "formatted" and obj is not None and obj.type == "string_literal"):
                args = node.child_by_field_name("arguments")
                names = tuple(n for a in (args.named_children if args is not None else ())
                              if a.type not in _COMMENTS for n in self.names(a))
                return ("interpolated" if names else "str", self.text(node), names, keyword, None)
            return ("call", self.text(node), (), keyword, None)
        if t == "object_creation_expression" or t == "explicit_constructor_invocation":
            return ("call", self.text(node), (), keyword, None)
        if t == "binary_expression":
            template, names, stringish = self.template(node)
            if stringish:
                return ("concat" if HOLE in template else "str", self.text(node), names, keyword, template)
            return ("other", self.text(node), names, keyword, None)
        if t == "lambda_expression" or t == "method_reference":
            return ("function", self.text(node), (), keyword, None)
        if t in ("array_creation_expression", "array_initializer", "element_value_array_initializer"):
            return ("collection", self.text(node), (), keyword, None)
        if t == "template_expression":
            return ("interpolated", self.text(node), self.names(node), keyword, None)
        return ("other", self.text(node), self.names(node), keyword, None)

    def _string(self, node: tree_sitter.Node) -> str:
        text = self.full(node)
        if text.startswith('"""'):
            body = text[3:-3] if text.endswith('"""') and len(text) >= 6 else text[3:]
            lines = body.split("\n")[1:] if "\n" in body else [body]
            indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
            cut = min(indents) if indents else 0
            return _unescape("\n".join(ln[cut:].rstrip() for ln in lines))[: TEXT_CAP * 5]
        return _unescape(text[1:-1] if len(text) >= 2 else "")[: TEXT_CAP * 5]

    def names(self, node: tree_sitter.Node) -> tuple[str, ...]:
        """Identifiers read in `node` (bounded): variables and the roots of member accesses, not member names."""
        out: list[str] = []
        cursor = node.walk()
        budget = 200
        depth = 0
        while budget > 0:
            budget -= 1
            current = cursor.node
            if current is None:
                break
            if current.type == "identifier" and cursor.field_name not in ("name", "field"):
                out.append(self.full(current))
            if current.type not in ("string_literal", "lambda_expression", "class_body") and cursor.goto_first_child():
                depth += 1
                continue
            while not cursor.goto_next_sibling():
                if depth == 0 or not cursor.goto_parent():
                    return tuple(dict.fromkeys(out))
                depth -= 1
            if depth == 0:
                break
        return tuple(dict.fromkeys(out))

    def template(self, node: tree_sitter.Node) -> tuple[str, tuple[str, ...], bool]:
        """A `+` chain as a template with holes for references, the names it reads, and whether it is a string."""
        parts: list[str] = []
        names: list[str] = []
        stringish = False
        stack = [node]
        budget = 400
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            t = current.type
            if t == "binary_expression":
                op = current.child_by_field_name("operator")
                left, right = current.child_by_field_name("left"), current.child_by_field_name("right")
                if op is not None and op.type == "+" and left is not None and right is not None:
                    stack.append(right)
                    stack.append(left)
                    continue
            if t == "string_literal":
                stringish = True
                parts.append(self._string(current).replace(HOLE, ""))
            elif t == "parenthesized_expression" and current.named_child_count == 1:
                stack.append(current.named_children[0])
            else:
                ref = self.norm(current) if t in ("identifier", "field_access") else ""
                parts.append(HOLE + (ref or "?") + HOLE)
                names.extend(self.names(current))
        if stack:
            parts.append(HOLE + "?" + HOLE)
        return "".join(parts)[: TEXT_CAP * 5], tuple(dict.fromkeys(names)), stringish

    def norm(self, node: tree_sitter.Node | None) -> str:
        """A callee or receiver as a dotted chain: `a.b().c` for `a.b(x).c`; "" for other expressions."""
        parts: list[str] = []
        current = node
        links = 0
        while current is not None and links < 40:
            links += 1
            t = current.type
            if t in ("identifier", "this", "super", "type_identifier"):
                parts.append(self.full(current))
                break
            if t == "field_access":
                parts.append(self.full(current.child_by_field_name("field")))
                current = current.child_by_field_name("object")
                continue
            if t == "method_invocation":
                parts.append(self.full(current.child_by_field_name("name")) + "()")
                current = current.child_by_field_name("object")
                if current is None:
                    break
                continue
            if t == "scoped_identifier" or t == "scoped_type_identifier":
                parts.append("".join(self.full(current).split()))
                break
            if t == "object_creation_expression":
                parts.append("new " + self._type_name(current.child_by_field_name("type")) + "()")
                break
            return ""
        else:
            if current is not None:
                parts.append("…")
        return ".".join(reversed(parts))[:TEXT_CAP]

    def _type_name(self, node: tree_sitter.Node | None) -> str:
        """`ArrayList` for `ArrayList<String>`, `Outer.Inner` for `Outer.Inner<T>`."""
        if node is None:
            return ""
        text = self.full(node) if node.end_byte - node.start_byte < 400 else self.text(node)
        match = _TYPE_NAME.match(text.lstrip())
        return "".join(match.group(0).split()) if match else ""

    # -- declarations -------------------------------------------------------------------------------------------
    def _modifiers(self, node: tree_sitter.Node) -> tuple[list[tree_sitter.Node], set[str]]:
        """(annotation nodes, keywords) of a declaration."""
        annotations: list[tree_sitter.Node] = []
        keywords: set[str] = set()
        for child in node.children:
            if child.type == "modifiers":
                for mod in child.children:
                    if mod.type in ("annotation", "marker_annotation"):
                        annotations.append(mod)
                    else:
                        keywords.add(mod.type)
                break
        return annotations, keywords

    def _class(self, node: tree_sitter.Node, node_type: str, frame: _Frame) -> _Frame:
        name = self.full(node.child_by_field_name("name"))
        kind = _CLASS_KINDS[node_type]
        annotations, _keywords = self._modifiers(node)
        decorators = tuple(self.text(a) for a in annotations)
        bases: list[tuple[str, str]] = []  # (how, type text)
        for child in node.children:
            if child.type == "superclass":
                bases.extend(("extends", _collapse(self.text(t))) for t in child.named_children
                             if t.type not in _COMMENTS)
            elif child.type in ("super_interfaces", "extends_interfaces"):
                how = "implements" if child.type == "super_interfaces" else "extends"
                for type_list in child.named_children:
                    if type_list.type == "type_list":
                        bases.extend((how, _collapse(self.text(t))) for t in type_list.named_children
                                     if t.type not in _COMMENTS)
            elif child.type == "type_parameters":
                for param in child.named_children:
                    ident = next((c for c in param.named_children if c.type == "type_identifier"), None)
                    if ident is not None:
                        self.declared.add(self.full(ident))
        body = node.child_by_field_name("body")
        fields: list[tuple[str, str]] = []
        methods = 0
        if node_type == "record_declaration":
            params = node.child_by_field_name("parameters")
            for p in params.named_children if params is not None else ():
                if p.type == "formal_parameter":
                    fields.append((self.full(p.child_by_field_name("name")), _collapse(self.text(p.child_by_field_name("type")))))
        members = body.named_children if body is not None else []
        if body is not None and node_type == "enum_declaration":
            members = [m for c in members if c.type == "enum_body_declarations" for m in c.named_children]
        for member in members:
            if member.type in ("method_declaration", "constructor_declaration", "compact_constructor_declaration"):
                methods += 1
            elif member.type in ("field_declaration", "constant_declaration"):
                ftype = _collapse(self.text(member.child_by_field_name("type")))
                for declarator in member.children_by_field_name("declarator"):
                    fields.append((self.full(declarator.child_by_field_name("name")), ftype))
        self.classes.append(Class(name, kind, tuple(b for _, b in bases), decorators, self.s.line(node),
                                  self.s.end_line(node), tuple(fields), methods, frame.fn))
        qual = f"{frame.qual}.{name}" if frame.qual and frame.kind in ("class", "interface", "enum") else name
        key = f"java:{self.package}.{name}" if self.package else f"java:{name}"
        if frame.fn < 0 and not self.s.broken(node):
            self._type_routes(node, annotations, key, bases)
        if self.test_file:
            self._fixtures(annotations, name)
            if any(b.split("<", 1)[0].rsplit(".", 1)[-1] == "TestCase" for _, b in bases):
                self.junit3 = True
        test = frame.test
        return _Frame(node.end_byte, frame.fn, -1, (), False, frame.in_lambda, name, qual, kind, key, {}, test)

    def _function(self, node: tree_sitter.Node, node_type: str, frame: _Frame) -> _Frame | None:
        lam = node_type == "lambda_expression"
        body = node.child_by_field_name("body")
        annotations: list[tree_sitter.Node] = []
        keywords: set[str] = set()
        if lam:
            name = "<lambda>"
        else:
            annotations, keywords = self._modifiers(node)
            name = self.full(node.child_by_field_name("name"))
        decorators = tuple(self.text(a) for a in annotations)
        ann_names = [annotation_name(d) for d in decorators]
        in_interface = frame.kind == "interface"
        if lam:
            visibility = ""
        elif "public" in keywords or (in_interface and "private" not in keywords):
            visibility = "public"
        elif "private" in keywords:
            visibility = "private"
        else:
            visibility = ""
        params, param_nodes = self._params(node, lam)
        returns = None if lam or node_type != "method_declaration" else _collapse(self.text(node.child_by_field_name("type")))
        is_test = self.test_file and not lam and (
            any(a in _TEST_ANNOTATIONS for a in ann_names)
            or (self.junit3 and name.startswith("test") and frame.kind == "class"))
        owner = "" if lam or frame.kind not in ("class", "interface", "enum") else frame.owner
        index = len(self.functions) if body is not None else -1
        broken = self.s.broken(node)
        if not lam:
            self._signature(node, node_type, name, index, visibility, ann_names, param_nodes, broken)
            if frame.key and not broken and frame.fn < 0:
                self._method_routes(node, annotations, name, index, frame.key)
            if self.test_file:
                self._test_case(name, ann_names, is_test, frame, node)
                for p in param_nodes:  # void test(@TempDir Path dir, @Mock Repo repo)
                    self._fixtures(self._modifiers(p)[0], name)
        if body is None:
            return None
        if lam:
            qual = f"{self.functions[frame.fn].qualname}.<lambda>" if frame.fn >= 0 else (
                f"{frame.qual}.<lambda>" if frame.qual else "<lambda>")
        else:
            qual = f"{frame.qual}.{name}" if frame.qual else name
        self.functions.append(Function(
            name=name, qualname=qual, line=self.s.line(node), end_line=self.s.end_line(node), is_async=False,
            params=params, returns=returns, decorators=decorators, owner=owner, parent=frame.fn,
            visibility=visibility, is_test=is_test, complexity=1, statements=0))
        self.complexity.append(1)
        self.statements.append(0)
        bound = dict(frame.bound) if lam else {}
        for pname, ptype, _default, _kind in params:
            tname = (ptype or "").split("<", 1)[0].rsplit(".", 1)[-1]
            if tname.endswith(("Exception", "Throwable")):
                bound[pname] = (tname,)
        if "ExceptionHandler" in ann_names:
            bound["\x00central"] = ()
        return _Frame(node.end_byte, index, -1, (), False, lam or frame.in_lambda, "", qual, "function", "", bound,
                      frame.test or is_test)

    def _params(self, node: tree_sitter.Node, lam: bool) -> tuple[tuple[Param, ...], list[tree_sitter.Node]]:
        params = node.child_by_field_name("parameters")
        if params is None:
            return (), []
        if params.type == "identifier":  # x -> ...
            return ((self.full(params), None, None, "positional"),), []
        out: list[Param] = []
        nodes: list[tree_sitter.Node] = []
        for p in params.named_children:
            t = p.type
            if t == "formal_parameter":
                ptype = p.child_by_field_name("type")
                out.append((self.full(p.child_by_field_name("name")), _collapse(self.text(ptype)) if ptype else None,
                            None, "positional"))
                nodes.append(p)
            elif t == "spread_parameter":
                declarator = next((c for c in p.named_children if c.type == "variable_declarator"), None)
                ptype = next((c for c in p.named_children if c.type not in ("modifiers", "variable_declarator")
                              and c.type not in _COMMENTS), None)
                pname = self.full(declarator.child_by_field_name("name")) if declarator is not None else ""
                out.append((pname, _collapse(self.text(ptype)) + "..." if ptype else None, None, "vararg"))
                nodes.append(p)
            elif t == "receiver_parameter":
                out.append(("this", _collapse(self.text(p.named_children[0])) if p.named_child_count else None, None,
                            "self"))
            elif t == "identifier":  # (a, b) -> ... inferred parameters
                out.append((self.full(p), None, None, "positional"))
        return tuple(out), nodes

    def _signature(self, node: tree_sitter.Node, node_type: str, name: str, fn: int, visibility: str,
                   ann_names: list[str], param_nodes: list[tree_sitter.Node], broken: bool) -> None:
        """Raw generic types in the return and parameter types, and `Object` parameters."""
        if broken:
            return
        ret = node.child_by_field_name("type") if node_type == "method_declaration" else None
        params = node.child_by_field_name("parameters")
        start = (ret or params or node).start_byte
        end = params.end_byte if params is not None else node.end_byte
        if not _SIGNATURE_HINT.search(self.s.data[start:end].decode("utf-8", "replace")):
            return  # no generic type and no Object in the signature: nothing to read
        line = self.s.line(node)
        public = visibility == "public"
        if ret is not None:
            for raw in self._raw_types(ret):
                self.type_uses.append(TypeUse("raw-type", raw, line, f"return of `{name}`", fn, public))
        for p in param_nodes:
            if p.type == "formal_parameter":
                ptype = p.child_by_field_name("type")
                pname = self.full(p.child_by_field_name("name"))
            else:
                ptype = next((c for c in p.named_children if c.type not in ("modifiers", "variable_declarator")
                              and c.type not in _COMMENTS), None)
                declarator = next((c for c in p.named_children if c.type == "variable_declarator"), None)
                pname = self.full(declarator.child_by_field_name("name")) if declarator is not None else ""
            if ptype is None:
                continue
            if p.type == "formal_parameter" and ptype.type == "type_identifier" and self.full(ptype) == "Object":
                self.type_uses.append(TypeUse("object", "Object", line, f"parameter `{pname}` of `{name}`", fn, public))
            for raw in self._raw_types(ptype):
                self.type_uses.append(TypeUse("raw-type", raw, line, f"parameter `{pname}` of `{name}`", fn, public))

    def _raw_types(self, type_node: tree_sitter.Node | None) -> list[str]:
        """Known generic types written without type arguments anywhere in a type (`Map<String, List>` has one)."""
        if type_node is None:
            return []
        data = self.s.data
        start, end = type_node.start_byte, type_node.end_byte
        text = data[start:end].decode("utf-8", "replace")
        out: list[str] = []
        for match in _GENERIC_WORD.finditer(text):
            word = match.group(0)
            at, after = match.start(), match.end()
            rest = text[after:].lstrip()
            if rest.startswith(("<", ".")):
                continue  # has type arguments, or is the qualifier of a nested type (`Map` in `Map.Entry`)
            before = text[:at].rstrip()
            written = word
            if before.endswith("."):  # Map.Entry, java.util.List
                qual = re.search(r"([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*\.$", before)
                if qual is None:
                    continue
                written = "".join(qual.group(1).split()) + "." + word
            resolved = self._raw(written)
            if resolved is not None:
                out.append(resolved)
        return out

    # -- fields, variables, assignments and settings -----------------------------------------------------------------
    def _field(self, node: tree_sitter.Node, frame: _Frame) -> None:
        annotations, keywords = self._modifiers(node)
        type_node = node.child_by_field_name("type")
        type_text = _collapse(self.text(type_node))
        owner = frame.owner if frame.kind in ("class", "interface", "enum") else ""
        line = self.s.line(node)
        declarators = node.children_by_field_name("declarator")
        if node.type == "field_declaration" and not self.s.broken(node):
            public = "public" in keywords
            raws = self._raw_types(type_node)
            for declarator in declarators:
                fname = self.full(declarator.child_by_field_name("name"))
                for raw in raws:
                    self.type_uses.append(TypeUse("raw-type", raw, line, f"field `{fname}`", frame.fn, public))
        if self.test_file and annotations:
            first = declarators[0] if declarators else None
            self._fixtures(annotations, self.full(first.child_by_field_name("name")) if first is not None else "")
        for declarator in declarators:
            value = declarator.child_by_field_name("value")
            if value is None:
                continue
            fname = self.full(declarator.child_by_field_name("name"))
            self.assigns.append(Assign((fname,), self.value(value), self.s.line(declarator), frame.fn, owner, type_text,
                                       "="))
            if _constant(value):
                self.settings.append(Setting(fname, self.text(value), self.s.line(declarator), owner, frame.fn))

    def _declaration(self, node: tree_sitter.Node, frame: _Frame) -> None:
        type_text = _collapse(self.text(node.child_by_field_name("type")))
        for declarator in node.children_by_field_name("declarator"):
            value = declarator.child_by_field_name("value")
            if value is not None:
                self.assigns.append(Assign((self.full(declarator.child_by_field_name("name")),), self.value(value),
                                           self.s.line(declarator), frame.fn, "", type_text, "="))

    def _assignment(self, node: tree_sitter.Node, frame: _Frame) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        if left is None or right is None:
            return
        target = self.norm(left) or _collapse(self.text(left))
        self.assigns.append(Assign((target,), self.value(right), self.s.line(node), frame.fn, "", None,
                                   op.type if op is not None else "="))

    def _annotation_settings(self, node: tree_sitter.Node, frame: _Frame) -> None:
        """Annotation attributes (`@Column(name = "x")`, `@GetMapping("/a")` as `value`): compile-time constants."""
        args = node.child_by_field_name("arguments")
        if args is None:
            return
        context = "@" + "".join(self.full(node.child_by_field_name("name")).split())
        for child in args.named_children:
            if child.type == "element_value_pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key is not None and value is not None:
                    self.settings.append(Setting(self.full(key), self.text(value), self.s.line(child), context, frame.fn))
            elif child.type not in _COMMENTS:
                self.settings.append(Setting("value", self.text(child), self.s.line(child), context, frame.fn))

    # -- calls ------------------------------------------------------------------------------------------------------
    def _call(self, node: tree_sitter.Node, node_type: str, frame: _Frame) -> None:
        flags = 0
        obj: tree_sitter.Node | None = None
        if node_type == "method_invocation":
            name = self.full(node.child_by_field_name("name"))
            obj = node.child_by_field_name("object")
            if obj is None:
                receiver = ""
            elif obj.type == "identifier":
                receiver = self.full(obj)
            else:
                receiver = self.norm(obj) or _collapse(self.text(obj))
            callee = f"{receiver}.{name}" if receiver else name
        elif node_type == "object_creation_expression":
            callee = self._type_name(node.child_by_field_name("type"))
            name = callee.rsplit(".", 1)[-1]
            receiver = ""
            flags |= CALL_NEW
        else:
            first = node.child_by_field_name("constructor")
            name = callee = self.full(first) if first is not None else "super"
            receiver = ""
        if (node.start_byte, node.end_byte) in self.statement_calls:
            flags |= CALL_STATEMENT
        flags |= frame.flags
        if self.partial and self.s.broken(node):
            flags |= CALL_BROKEN
        args_node = node.child_by_field_name("arguments")
        arg_nodes = [a for a in args_node.named_children if a.type not in _COMMENTS] \
            if args_node is not None and args_node.named_child_count else []
        args = tuple(map(self.value, arg_nodes))
        line = node.start_point[0] + 1
        intern = self.intern  # the same names recur all over a file: one string each, shared in the encoded model
        self.calls.append(Call(intern(name), intern(callee), intern(self.qualify(callee)), args, line,
                               node.end_point[0] + 1, frame.fn, frame.handler, flags, intern(receiver)))
        if name in ("put", "setProperty") and len(arg_nodes) == 2 and arg_nodes[0].type in (
                "string_literal", "field_access") and _constant(arg_nodes[1]):  # props.put(AvailableSettings.X, "v")
            key = args[0][4] if args[0][0] == "str" else args[0][1]
            self.settings.append(Setting(key or "", self.text(arg_nodes[1]), line, callee, frame.fn))
        if frame.chain:
            self._handler_call(name, callee, receiver, frame)
        if node_type == "method_invocation" and name in _DETAIL_METHODS and obj is not None:
            if obj.type == "identifier":
                self.details.append((node.start_byte, self.full(obj), f"{self.full(obj)}.{name}()"))
            elif name == "getStackTrace" and receiver.endswith("ExceptionUtils"):
                self.details.append((node.start_byte, "\x00any", self.text(node)[:60]))
        if frame.bound and args_node is not None and arg_nodes and (
                (name in ("body", "ok", "of") and callee.startswith("ResponseEntity"))
                or name in ("forStatusAndDetail", "setDetail")
                or (name == "entity" and callee.startswith("Response."))
                or (node_type == "object_creation_expression" and name in _SINK_TYPES)):
            self.sinks.append((node, args_node, name, frame))

    def _handler_call(self, name: str, callee: str, receiver: str, frame: _Frame) -> None:
        bits = 0
        other = True
        if name == "printStackTrace":
            bits |= BODY_PRINTS_STACK
            other = False
        elif name in _LOG_METHODS:
            bits |= BODY_LOGS
            other = not receiver.startswith(("System.out", "System.err"))
        if callee in _EXIT_CALLS or (callee.endswith(".exit") and callee.startswith(("System", "Runtime"))):
            bits |= BODY_EXITS
        if name in ("rollback", "setRollbackOnly"):
            bits |= BODY_ROLLBACK
        if name in _PASS_ON:
            bits |= BODY_PASSES_ON
        for h in frame.chain:
            self.handler_flags[h] |= bits
            if other:
                self.handler_calls[h] += 1

    # -- exceptions -----------------------------------------------------------------------------------------------
    def _catch(self, node: tree_sitter.Node, frame: _Frame) -> _Frame:
        types: list[str] = []
        binding = ""
        body = node.child_by_field_name("body")
        for child in node.named_children:
            if child.type == "catch_formal_parameter":
                for part in child.named_children:
                    if part.type == "catch_type":
                        types = [_collapse(self.text(t)).rsplit(".", 1)[-1] for t in part.named_children
                                 if t.type not in _COMMENTS]
                binding = self.full(child.child_by_field_name("name"))
                break
        statements = [c for c in body.named_children if c.type not in _COMMENTS] if body is not None else []
        flags = 0
        if not statements:
            flags |= BODY_EMPTY
        elif all(self._trivial(s) for s in statements):
            flags |= BODY_TRIVIAL
        elif all(self._fallback(s) for s in statements):
            flags |= BODY_FALLBACK
        if self.s.broken(node):
            flags |= BODY_BROKEN
        comment = ""
        if body is not None and binding:
            uses, comment = self._catch_body(body, binding)
            if uses:
                flags |= BODY_USES_ERROR
        elif body is not None:
            comment = self._catch_body(body, "")[1]
        index = len(self.handlers)
        end = body if body is not None else node
        self.handlers.append(Handler(tuple(types), binding, self.s.line(node), self.s.end_line(end), frame.fn,
                                     any(t in _CATCH_ALL for t in types), flags, 0, comment, frame.handler))
        self.handler_flags.append(flags)
        self.handler_statements.append(0)
        self.handler_calls.append(0)
        bound = dict(frame.bound)
        if binding:
            bound[binding] = tuple(types)
        return _Frame(node.end_byte, frame.fn, index, (*frame.chain, index), frame.in_loop, frame.in_lambda,
                      frame.owner, frame.qual, "catch", frame.key, bound, frame.test)

    def _catch_body(self, body: tree_sitter.Node, binding: str) -> tuple[bool, str]:
        """(whether the body reads `binding`, also in a lambda it passes on, and its first comment)."""
        data = self.s.data[body.start_byte:body.end_byte]
        wanted = binding.encode()
        if (not wanted or wanted not in data) and b"/" not in data:
            return False, ""
        import tree_sitter

        cursor = tree_sitter.QueryCursor(_catch_query())
        cursor.set_byte_range(body.start_byte, body.end_byte)
        captures = cursor.captures(body)
        comments = sorted(captures.get("c", []), key=lambda n: n.start_byte)
        comment = _comment_text(self.full(comments[0])) if comments else ""
        uses = bool(wanted) and any(self.full(n) == binding for n in captures.get("id", []))
        return uses, comment

    def _trivial(self, stmt: tree_sitter.Node) -> bool:
        t = stmt.type
        if t in ("continue_statement", "break_statement"):
            return True
        if t == "return_statement":
            values = [c for c in stmt.named_children if c.type not in _COMMENTS]
            return not values or "".join(self.text(values[0]).split()) in _TRIVIAL_VALUES
        return False

    def _fallback(self, stmt: tree_sitter.Node) -> bool:
        """An assignment, or a return of a literal-like value: a fallback in place of the error."""
        t = stmt.type
        if t == "expression_statement":
            inner = stmt.named_children[0] if stmt.named_child_count else None
            return inner is not None and inner.type == "assignment_expression"
        if t == "local_variable_declaration":
            return True
        if t == "return_statement":
            values = [c for c in stmt.named_children if c.type not in _COMMENTS]
            return bool(values) and _literal_like(values[0])
        return self._trivial(stmt)

    def _return(self, node: tree_sitter.Node, frame: _Frame) -> None:
        if not frame.chain:
            return
        values = [c for c in node.named_children if c.type not in _COMMENTS]
        if not values or "".join(self.text(values[0]).split()) in _TRIVIAL_VALUES or _literal_like(values[0]):
            return
        for h in frame.chain:
            self.handler_flags[h] |= BODY_RETURNS

    def _throw(self, node: tree_sitter.Node, frame: _Frame) -> None:
        expr = next((c for c in node.named_children if c.type not in _COMMENTS), None)
        text = _collapse(self.text(expr))
        flags = 0
        bindings = [self.handlers[h].binding for h in frame.chain if self.handlers[h].binding]
        if expr is not None and bindings:
            inner = expr
            while inner.type in ("parenthesized_expression", "cast_expression") and inner.named_child_count:
                inner = inner.named_children[-1]
            if inner.type == "identifier" and self.full(inner) in bindings:
                flags |= RAISE_RERAISE
            else:
                code = _STRING.sub('""', self.full(expr) if expr.end_byte - expr.start_byte < 4000 else self.text(expr))
                for b in bindings:
                    name = re.escape(b)
                    if re.search(rf"(?<![\w.$]){name}(?![\w$])(?!\s*\.)", code):
                        flags |= RAISE_CHAINED
                        break
                    if re.search(rf"(?<![\w.$]){name}\s*\.\s*(?:getMessage|getLocalizedMessage|toString)\s*\(\s*\)",
                                 code) and not re.search(rf"(?<![\w.$]){name}\s*\.\s*getCause\s*\(", code):
                        flags |= RAISE_MESSAGE_ONLY
        for h in frame.chain:
            self.handler_flags[h] |= BODY_RAISES | (BODY_RERAISES if flags & RAISE_RERAISE else 0)
        self.raises.append(Raise(text, self.s.line(node), self.s.end_line(node), frame.fn, frame.handler, flags))

    def _finish_handlers(self) -> None:
        for i, h in enumerate(self.handlers):
            flags = self.handler_flags[i]
            if flags & BODY_PRINTS_STACK and self.handler_calls[i]:
                flags &= ~BODY_PRINTS_STACK  # it does more than print the stack trace
            self.handlers[i] = h._replace(flags=flags, statements=self.handler_statements[i])

    # -- leaked details -----------------------------------------------------------------------------------------------
    def _exposures(self) -> None:
        if not self.sinks or not self.details:
            return
        import bisect

        from analysis.frameworks import is_client_error_status

        starts = [d[0] for d in self.details]
        seen: set[int] = set()
        for whole, args, sink, frame in self.sinks:
            line = self.s.line(whole)
            if line in seen:
                continue
            lo = bisect.bisect_left(starts, args.start_byte)
            hi = bisect.bisect_left(starts, args.end_byte)
            for _start, var, detail in self.details[lo:hi]:
                if var != "\x00any" and var not in frame.bound:
                    continue
                seen.add(line)
                status = _status(self.full(whole) if whole.end_byte - whole.start_byte < 2000 else self.text(whole))
                flags = EXPOSE_CLIENT_STATUS if status and is_client_error_status(status) else 0
                if "getStackTrace" in detail:
                    flags |= EXPOSE_STACK
                if "\x00central" in frame.bound:
                    flags |= EXPOSE_ERROR_MIDDLEWARE
                if self.s.broken(whole):
                    flags |= EXPOSE_BROKEN
                self.exposures.append(Exposure(detail, sink, line, self.s.end_line(whole), frame.fn, status,
                                               frame.bound.get(var, ()), flags))
                break

    # -- routes -------------------------------------------------------------------------------------------------------
    def _paths(self, annotation: tree_sitter.Node, keys: tuple[str, ...]) -> list[tuple[str, bool]]:
        """The path templates an annotation gives (`value`/`path` or the single value), with whether each is known;
        [] when it gives none."""
        args = annotation.child_by_field_name("arguments")
        if args is None:
            return []
        values: list[tree_sitter.Node] = []
        for child in args.named_children:
            if child.type == "element_value_pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key is not None and value is not None and self.full(key) in keys:
                    values.append(value)
            elif child.type not in _COMMENTS:
                values.append(child)
        out: list[tuple[str, bool]] = []
        for value in values:
            items = value.named_children if value.type == "element_value_array_initializer" else [value]
            for item in items:
                if item.type in _COMMENTS:
                    continue
                if item.type == "string_literal":
                    path = self._string(item)
                    match = _PLACEHOLDER.match(path.strip())
                    out.append(((match.group(1) or "") if match else path, True))
                else:
                    template, _names, _stringish = self.template(item)
                    out.append((template, HOLE not in template))
        return out

    def _type_routes(self, node: tree_sitter.Node, annotations: list[tree_sitter.Node], key: str,
                     bases: list[tuple[str, str]]) -> None:
        line = self.s.line(node)
        guards = tuple(self.text(a) for a in annotations)
        for ann in annotations:
            name = annotation_name(self.full(ann.child_by_field_name("name")))
            if name == "RequestMapping":
                paths = self._paths(ann, ("value", "path")) or [("", True)]
            elif name == "Path":
                paths = self._paths(ann, ("value",)) or [("", True)]
            elif name == "Controller" and self.micronaut:
                paths = self._paths(ann, ("value",)) or [("/", True)]
            else:
                continue
            for path, known in paths:
                self.mounts.append(Mount("", key, path, self.s.line(ann), guards, known))
        for how, base in bases:
            written = self._type_name_text(base)
            if not written:
                continue
            resolved = self.resolve_type(written) or ((self.package + "." if self.package else "") + written
                                                      if "." not in written else written)
            self.mounts.append(Mount(key, f"java:{resolved}", "", line, (how, written), True))

    @staticmethod
    def _type_name_text(text: str) -> str:
        match = _TYPE_NAME.match(text)
        return "".join(match.group(0).split()) if match else ""

    def _method_routes(self, node: tree_sitter.Node, annotations: list[tree_sitter.Node], name: str, fn: int,
                       key: str) -> None:
        if not annotations:
            return
        by_name = {annotation_name(self.full(a.child_by_field_name("name"))): a for a in annotations}
        for ann_name, ann in by_name.items():
            if ann_name in _SPRING_MAPPINGS:
                framework = "spring"
                verbs = [_SPRING_MAPPINGS[ann_name]] if ann_name != "RequestMapping" else self._request_methods(ann)
                paths = self._paths(ann, ("value", "path")) or [("", True)]
            elif ann_name in _JAXRS_VERBS:
                framework = "jax-rs"
                verbs = [ann_name]
                paths = (self._paths(by_name["Path"], ("value",)) if "Path" in by_name else []) or [("", True)]
            elif ann_name in _MICRONAUT_VERBS and self.micronaut:
                framework = "micronaut"
                verbs = [_MICRONAUT_VERBS[ann_name]]
                paths = self._paths(ann, ("value", "uri", "uris")) or [("/", True)]
            else:
                continue
            guards = tuple(self.text(a) for a in annotations if a is not ann)
            line = self.s.line(ann)
            for path, known in paths:
                for verb in verbs:
                    self.routes.append(RouteDecl(framework, verb, path, key, name, line, fn, guards, known))

    def _request_methods(self, ann: tree_sitter.Node) -> list[str]:
        args = ann.child_by_field_name("arguments")
        methods: list[str] = []
        for child in args.named_children if args is not None else []:
            if child.type != "element_value_pair":
                continue
            key = child.child_by_field_name("key")
            if key is not None and self.full(key) == "method":
                text = self.text(child.child_by_field_name("value"))
                methods.extend(m for m in re.findall(r"[A-Z]+", text) if m in _HTTP_METHODS)
        return list(dict.fromkeys(methods)) or ["ANY"]

    # -- tests --------------------------------------------------------------------------------------------------------
    def _framework(self, annotation: str) -> str:
        if annotation in ("Property", "Example"):
            return "jqwik"
        if annotation == "ArchTest":
            return "archunit"
        return self.test_framework or "junit"

    def _test_case(self, name: str, ann_names: list[str], is_test: bool, frame: _Frame, node: tree_sitter.Node) -> None:
        line = self.s.line(node)
        kinds = [a for a in ann_names if a in _TEST_ANNOTATIONS]
        if kinds:
            self.tests.append(TestCase(name, _TEST_ANNOTATIONS[kinds[0]], self._framework(kinds[0]), line))
        elif is_test:
            self.tests.append(TestCase(name, "test", "junit3", line))
        elif self.junit3 and name == "setUp" and frame.kind == "class":
            self.tests.append(TestCase(name, "fixture", "junit3", line))
        for a in ann_names:
            if a in _FIXTURE_ANNOTATIONS:
                self.tests.append(TestCase(name, "fixture", self.test_framework or "junit", line))

    def _fixtures(self, annotations: list[tree_sitter.Node], name: str) -> None:
        for ann in annotations:
            ann_name = annotation_name(self.full(ann.child_by_field_name("name")))
            if ann_name in _FIXTURE_ANNOTATIONS:
                self.tests.append(TestCase(name, "fixture", self.test_framework or "junit", self.s.line(ann)))
            elif ann_name == "ArchTest":
                self.tests.append(TestCase(name, "test", "archunit", self.s.line(ann)))


_CATCH_QUERY: list[tree_sitter.Query] = []


def _catch_query() -> tree_sitter.Query:
    if not _CATCH_QUERY:
        import tree_sitter

        from analysis.treesitter import language

        _CATCH_QUERY.append(tree_sitter.Query(language("java"), "[(identifier) @id (line_comment) @c (block_comment) @c]"))
    return _CATCH_QUERY[0]


def _comment_text(text: str) -> str:
    body = text[2:] if text.startswith("//") else text[2:-2] if text.startswith("/*") else text
    return " ".join(body.strip(" *\n\t").split())[:120]


def _constant(node: tree_sitter.Node) -> bool:
    """A literal, a constant-looking name (`HttpStatus.OK`, `MAX`), or an array or `+` chain of them (bounded)."""
    stack = [node]
    budget = 64
    while stack:
        budget -= 1
        if budget < 0:
            return False
        current = stack.pop()
        t = current.type
        if t in _NUMBERS or t in ("string_literal", "true", "false", "null_literal", "character_literal",
                                  "class_literal"):
            continue
        if t in ("array_initializer", "element_value_array_initializer", "parenthesized_expression",
                 "binary_expression", "unary_expression"):
            stack.extend(c for c in current.named_children if c.type not in _COMMENTS)
        elif t == "field_access":
            continue
        else:
            return False
    return True


def _literal_like(node: tree_sitter.Node) -> bool:
    t = node.type
    if t in _NUMBERS or t in ("string_literal", "true", "false", "null_literal", "character_literal", "identifier",
                              "field_access", "array_initializer", "class_literal"):
        return True
    if t == "unary_expression":
        return node.named_child_count == 1 and node.named_children[0].type in _NUMBERS
    if t == "object_creation_expression":  # new ArrayList<>()
        args = node.child_by_field_name("arguments")
        return args is not None and args.named_child_count == 0 and node.named_children[-1].type != "class_body"
    return False


_STATUS = (
    re.compile(r"\bstatus\s*\(\s*(\d{3}|[\w.]+)\s*\)"),
    re.compile(r"\b((?:HttpStatus|Response\.Status|Status|HttpResponseStatus)\.\w+)"),
    re.compile(r"\.\s*(badRequest|notFound|unprocessableEntity|internalServerError|noContent|accepted|ok)\s*\("),
    re.compile(r"\bnew\s+ResponseEntity\s*(?:<[^>]*>)?\s*\([^,]*,\s*(\d{3})\s*\)"),
)


def _status(text: str) -> str:
    """The response status a sink's expression states (`HttpStatus.NOT_FOUND`, `404`, `badRequest`), ""."""
    for pattern in _STATUS:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return ""


def analyse_java(path: str, role: str, data: bytes) -> FileModel:
    """The model of one Java file. Never raises for bad input: a file that does not parse is a model with a
    problem ("decode", "syntax"); a partial parse ("partial") is read where it parsed."""
    tree, problem = parse("java", data)
    lines = data.count(b"\n") + 1
    if tree is None:
        return FileModel(path, "java", role, PARSER, problem=problem, lines=lines)
    source = Source(data, tree, "java")
    reader = _Reader(path, role, source)
    try:
        reader.read(NodeIndex("java", tree, _INDEXED))
    except RecursionError:
        return FileModel(path, "java", role, PARSER, problem=("too-deep", "nesting too deep to analyse"), lines=lines)
    functions = tuple(f._replace(complexity=reader.complexity[i], statements=reader.statements[i])
                      for i, f in enumerate(reader.functions))
    return FileModel(
        path, "java", role, PARSER, problem=problem, lines=lines, markers=frozenset(reader.markers),
        imports=tuple(reader.imports), functions=functions, classes=tuple(reader.classes), calls=tuple(reader.calls),
        assigns=tuple(reader.assigns), settings=tuple(reader.settings), handlers=tuple(reader.handlers),
        raises=tuple(reader.raises), exposures=tuple(reader.exposures), routes=tuple(reader.routes),
        mounts=tuple(reader.mounts), tests=tuple(reader.tests), type_uses=tuple(reader.type_uses),
    )
