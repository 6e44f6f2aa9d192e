"""The fix for a rule on a given stack: rule id × stack id -> text (short code where it helps).

Looked up by :func:`fix_for`: the rule's own entry for the stack, else the entry of the rule it
borrows from (``ALIASES``: the gateway rules read like a refused declared method, the slash twin like
the slash mismatch ...), else the stack's parent (FastAPI -> Starlette, DRF -> Django). No entry:
the report keeps the rule's generic fix alone.
"""

from __future__ import annotations

from .recognise import STACKS

#: a rule without an entry of its own borrows the entry of another rule for the same stack
ALIASES: dict[str, str] = {
    "allow-inconsistent": "allow-mismatch",
    "trailing-slash-twin": "trailing-slash-mismatch",
    "redirect-then-405": "redirect-changes-method",
    "blocked-by-gateway": "declared-method-rejected",  # on a gateway stack, for a declared method (see annotate)
    "gateway-refusal-suspected": "declared-method-rejected",
    "unknown-method-accepted": "undeclared-method-accepted",
    "path-overlap": "undeclared-method-accepted",
    "trace-enabled": "undeclared-method-accepted",  # a framework that serves TRACE serves a method it should not
}

FIXES: dict[str, dict[str, str]] = {
    # -- Python ---------------------------------------------------------------------------------------
    "drf": {
        "undeclared-method-accepted": (
            "Narrow the view: `http_method_names = [\"get\", \"head\", \"options\"]` on the APIView/ViewSet, or a "
            "smaller base (`ReadOnlyModelViewSet` serves only GET; mix in only the `mixins.*` you document: "
            "`UpdateModelMixin` brings both PUT and PATCH). An extra route from `@action` serves exactly "
            "`methods=[\"get\"]` as listed."),
        "declared-method-rejected": (
            "The router maps POST->create, PUT->update, PATCH->partial_update, DELETE->destroy: the ViewSet lacks "
            "that handler (add the mixin, e.g. `mixins.UpdateModelMixin` for PUT and PATCH), `http_method_names` "
            "leaves the method out, or an `@action` does not list it in `methods=[...]`."),
        "wrong-status-for-undeclared-method": (
            "DRF answers 405 itself for a method the view lacks, but only after authentication, permissions and "
            "throttles ran (`APIView.initial()`): a 401/403 here comes first. Let unknown methods through to the 405 "
            "(check `request.method.lower() in self.http_method_names` in a custom permission), or set "
            "`http_method_names`; a 404 is the URLconf (router `trailing_slash`, APPEND_SLASH)."),
        "allow-mismatch": (
            "DRF's Allow is every handler the view has (`_allowed_methods()` over `http_method_names`): drop the "
            "mixins/handlers the spec does not document, or set `http_method_names`; a declared PATCH needs "
            "`partial_update` (`UpdateModelMixin`)."),
        "options-mismatch": (
            "DRF answers OPTIONS itself (metadata, Allow from the view's handlers): make the view's handlers the "
            "spec's methods (`http_method_names`), or set `metadata_class = None` to refuse OPTIONS."),
        "head-not-supported": (
            "DRF serves HEAD from GET only while \"head\" is in `http_method_names`: keep it there."),
        "trailing-slash-mismatch": (
            "The router decides the slash: `SimpleRouter(trailing_slash=False)` (or `DefaultRouter`) routes "
            "`/notes/1`; Django's APPEND_SLASH then answers 301 to the other spelling. Write the spec's paths "
            "the router's way."),
        "cors-preflight-rejected": "django-cors-headers: list the spec's methods in `CORS_ALLOW_METHODS`.",
    },
    "django": {
        "undeclared-method-accepted": (
            "Restrict the view: `@require_http_methods([\"GET\", \"POST\"])` (or `@require_GET` / `@require_safe`) "
            "on a function view, `http_method_names = [\"get\", \"post\"]` on a class-based view; Django then "
            "answers 405 with Allow."),
        "declared-method-rejected": (
            "Add the handler (`def patch(self, request, ...)` on the class-based view) or list the method in "
            "`@require_http_methods([...])`. A 403 is usually CsrfViewMiddleware refusing an unsafe method "
            "without a token: `@csrf_exempt` on token-authenticated API views."),
        "wrong-status-for-undeclared-method": (
            "CsrfViewMiddleware answers 403 to POST/PUT/PATCH/DELETE before the view can answer 405: mark API "
            "views `@csrf_exempt` and restrict them with `@require_http_methods([...])`. A 404 or 301 on a "
            "known path is the URLconf and `APPEND_SLASH`."),
        "allow-missing": (
            "Return `HttpResponseNotAllowed([\"GET\", \"POST\"])` instead of `HttpResponse(status=405)`: it sets "
            "Allow (`@require_http_methods` does it for you)."),
        "allow-mismatch": (
            "Allow is what `@require_http_methods([...])` or the class-based view's handlers and "
            "`http_method_names` list: make them the spec's methods."),
        "options-mismatch": (
            "A class-based view answers OPTIONS with Allow of every handler it defines (`View.options`): remove "
            "undocumented handlers or set `http_method_names`."),
        "head-not-supported": (
            "`@require_http_methods([\"GET\"])` refuses HEAD: use `@require_safe` (GET and HEAD) or list \"HEAD\"; "
            "class-based views serve HEAD from `get` by themselves."),
        "trailing-slash-mismatch": (
            "`APPEND_SLASH = True` (CommonMiddleware) answers 301 to the slashless spelling, which loses a "
            "POST/PUT body: write the spec's paths as the URLconf has them (with the slash), or set "
            "`APPEND_SLASH = False`."),
        "redirect-changes-method": (
            "That 301 is CommonMiddleware's `APPEND_SLASH`: clients re-send POST/PUT as GET. Document the "
            "slashed URL, or set `APPEND_SLASH = False` so the slashless spelling is a plain 404."),
        "cors-preflight-rejected": "django-cors-headers: list the spec's methods in `CORS_ALLOW_METHODS`.",
    },
    "fastapi": {
        "undeclared-method-accepted": (
            "Remove the route (`@app.put(...)`, or a method in `@app.api_route(path, methods=[...])`); "
            "`include_in_schema=False` only hides a route from FastAPI's own OpenAPI, it still answers."),
        "declared-method-rejected": (
            "Add the operation (`@app.patch(\"/items/{item_id}\")`); check the route's spelling against the "
            "spec, router `prefix` and `root_path` included, and the trailing slash (`redirect_slashes`)."),
        "allow-mismatch": (
            "Starlette's 405 lists only the methods of the *first* route whose path matches, and each FastAPI "
            "decorator is its own route: `@app.get(\"/items\")` + `@app.post(\"/items\")` answer PUT with "
            "`Allow: GET`. Register the path once (`@app.api_route(\"/items\", methods=[\"GET\", \"POST\"])` and "
            "dispatch on `request.method`), or add a 405 exception handler that sets Allow from every route "
            "matching the path."),
        "allow-missing": (
            "A 405 you raise needs its header: `raise HTTPException(405, headers={\"Allow\": \"GET, POST\"})`."),
        "head-not-supported": (
            "FastAPI routes do not answer HEAD (`@app.get` registers GET only, unlike Starlette's `Route`): "
            "stack `@app.head(path)` on the same function, or `@app.api_route(path, methods=[\"GET\", \"HEAD\"])`."),
        "options-mismatch": (
            "FastAPI refuses OPTIONS (405) unless CORSMiddleware answers a preflight or an `@app.options` route "
            "exists; such a route must send the header itself: `Response(headers={\"Allow\": \"GET, POST\"})`."),
        "cors-preflight-rejected": (
            "`app.add_middleware(CORSMiddleware, allow_origins=[...], allow_methods=[\"GET\", \"PUT\", \"DELETE\"])`: "
            "the default `allow_methods` is GET only."),
    },
    "starlette": {
        "undeclared-method-accepted": (
            "Give the `Route` its methods: `Route(\"/x\", endpoint, methods=[\"GET\", \"POST\"])`; an `HTTPEndpoint` "
            "serves every `get`/`post`/... it defines, and a Mount'ed ASGI app answers whatever it answers."),
        "declared-method-rejected": (
            "Add the method to the Route's `methods=[...]` (a function endpoint defaults to GET/HEAD) or the "
            "handler to the `HTTPEndpoint`; check the path against `Mount` prefixes and `redirect_slashes`."),
        "wrong-status-for-undeclared-method": (
            "Starlette's router answers 405 for a matching path; a 404/403 here comes from middleware or a "
            "`Mount`ed app before routing, or from a path spelled differently (redirect_slashes)."),
        "allow-mismatch": (
            "Starlette's 405 lists the methods of the first matching route only: serve each path from one "
            "`Route(path, endpoint, methods=[...])` (or one `HTTPEndpoint`), not one Route per method."),
        "allow-missing": (
            "A 405 you return yourself needs `headers={\"Allow\": \"GET, POST\"}` (the router's own 405 has it)."),
        "head-not-supported": (
            "`Route(..., methods=[\"GET\"])` serves HEAD too; a route without GET, or a Mount'ed app, does not: "
            "add \"HEAD\" to its methods."),
        "options-mismatch": (
            "Starlette refuses OPTIONS unless CORSMiddleware answers a preflight; an `options` handler of an "
            "`HTTPEndpoint` must set Allow itself."),
        "trailing-slash-mismatch": (
            "`redirect_slashes=True` (the default of Starlette's and FastAPI's routers) answers 307 to the other "
            "spelling: declare the route with the spec's spelling, or `redirect_slashes=False` to answer 404."),
        "redirect-changes-method": (
            "Starlette redirects slashes with 307, which keeps the method: a 301/302 here comes from a proxy or "
            "your own RedirectResponse (pass `status_code=308`)."),
        "unknown-method-wrong-status": (
            "uvicorn's httptools parser answers 400 to method tokens it does not know before the app runs; "
            "`uvicorn --http h11` lets them reach the router, which answers 405."),
        "cors-preflight-rejected": (
            "`CORSMiddleware(allow_origins=[...], allow_methods=[...])` must list the spec's methods (default: GET)."),
    },
    "flask": {
        "undeclared-method-accepted": (
            "Take the method out of `@app.route(path, methods=[...])` (or the `MethodView`'s handler); Werkzeug "
            "answers 405 with Allow for the rest."),
        "declared-method-rejected": (
            "List the method on the rule: `@app.route(path, methods=[\"GET\", \"POST\"])` (the default is GET "
            "only), or define it on the `MethodView`."),
        "wrong-status-for-undeclared-method": (
            "Werkzeug answers 404 (not 405) to `/things` for a method the strict-slash rule `/things/` lacks: "
            "its 308 redirect exists only for the rule's methods. Route the spec's spelling "
            "(`@app.route(\"/things\")`) or set `strict_slashes=False` on the rule "
            "(`app.url_map.strict_slashes = False` for all)."),
        "allow-mismatch": (
            "Werkzeug's Allow is every method of every rule matching the URL, plus the HEAD and OPTIONS it adds "
            "(`provide_automatic_options`): make the rules' `methods=[...]` the spec's."),
        "options-mismatch": (
            "Flask answers OPTIONS itself from the rule's methods (`provide_automatic_options`): fix the rule's "
            "methods, or `provide_automatic_options=False` on the route to answer OPTIONS yourself."),
        "head-not-supported": (
            "Werkzeug adds HEAD to every rule with GET: a refused HEAD means the rule has no GET (add it) or "
            "the view refuses HEAD itself."),
        "trailing-slash-mismatch": (
            "Rules are `strict_slashes` by default: `/things/` answers `/things` with 308 (for its own methods "
            "only). Write the spec with the rule's spelling, or `strict_slashes=False` on the rule."),
        "cors-preflight-rejected": "flask-cors: `CORS(app, methods=[\"GET\", \"PUT\", \"DELETE\"])`.",
    },
    "aiohttp": {
        "undeclared-method-accepted": (
            "Register only the documented methods (`app.router.add_get(path, h)`, `add_post`...), not "
            "`add_route(\"*\", ...)`; a `web.View` serves every method it defines."),
        "declared-method-rejected": (
            "Register the method on the resource: `app.router.add_post(path, handler)` or a `post` on the `web.View`."),
        "allow-mismatch": (
            "aiohttp's Allow lists the methods registered on the resource (`add_get` registers HEAD as well): "
            "register exactly the spec's methods on one resource."),
        "head-not-supported": (
            "`add_get(path, h)` adds HEAD (`allow_head=True`), `add_route(\"GET\", path, h)` does not: use "
            "`add_get` or add a HEAD route."),
        "options-mismatch": (
            "aiohttp refuses OPTIONS unless a route or aiohttp-cors answers it: add an OPTIONS handler that "
            "sends Allow, or configure aiohttp-cors."),
        "trailing-slash-mismatch": (
            "aiohttp routes the exact spelling; `normalize_path_middleware(append_slash=True)` redirects the "
            "other one (308): write the spec with the registered spelling."),
        "unknown-method-wrong-status": (
            "aiohttp's own HTTP parser refuses method tokens it does not accept with 400 before any handler runs: "
            "nothing to change in the application (a gateway in front may answer 501)."),
        "cors-preflight-rejected": "aiohttp-cors: `ResourceOptions(allow_methods=[...])` for each route.",
    },
    "litestar": {
        "undeclared-method-accepted": (
            "Remove the handler (`@put(...)`) or narrow `@route(path, http_method=[HttpMethod.GET, HttpMethod.POST])`."),
        "declared-method-rejected": (
            "Add the handler (`@patch(\"/books/{book_id:int}\")`) and list it in `route_handlers` (or its Controller)."),
        "allow-mismatch": (
            "Litestar's Allow lists the handlers registered on the path plus OPTIONS: register exactly the "
            "spec's methods there."),
        "head-not-supported": (
            "Litestar does not serve HEAD from GET: add a `@head(path)` handler (it returns no body)."),
        "options-mismatch": (
            "Litestar answers OPTIONS itself (204 with Allow from the path's handlers): keep each path's "
            "handlers together on one path so its Allow is complete."),
        "trailing-slash-mismatch": (
            "Litestar routes `/books` and `/books/` as one path (a trailing slash is stripped before matching): "
            "write the spec's paths without it; answering the twin 404 takes a middleware of your own."),
        "unknown-method-wrong-status": (
            "uvicorn's httptools parser answers 400 to method tokens it does not know before Litestar runs; "
            "`uvicorn --http h11` lets them reach the router."),
        "cors-preflight-rejected": "`Litestar(cors_config=CORSConfig(allow_methods=[...]))`.",
    },
    "tornado": {
        "undeclared-method-accepted": (
            "Define only the documented methods on the RequestHandler; `SUPPORTED_METHODS = (\"GET\", \"POST\")` "
            "limits what it dispatches."),
        "declared-method-rejected": "Define the method (`async def patch(self, ...)`) on the RequestHandler.",
        "allow-missing": (
            "Tornado's 405 has no Allow: set it in `write_error` (`self.set_header(\"Allow\", \"GET, POST\")`) "
            "when `status_code == 405`."),
        "head-not-supported": "A RequestHandler does not derive HEAD from GET: define `head()` (headers only).",
    },
    # -- other languages -----------------------------------------------------------------------------
    "express": {
        "undeclared-method-accepted": (
            "`app.all()` and `app.use()` match every method: use `app.get`/`app.post`, and answer 405 from an "
            "`.all()` registered after the documented methods."),
        "declared-method-rejected": (
            "Register the method on the path the spec spells (`router.patch(\"/items/:id\", ...)`): "
            "`Cannot PATCH /items/1` means no route matched."),
        "wrong-status-for-undeclared-method": (
            "Express answers 404 `Cannot PUT /x` when no route has the method: end each path with "
            "`app.route(\"/items\").get(list).post(create).all((req, res) => res.set(\"Allow\", \"GET, POST\").sendStatus(405))`."),
        "allow-missing": "Express never sends Allow itself: set it in the `.all()` 405 handler.",
        "allow-mismatch": "Set the Allow of the `.all()` 405 handler to the path's documented methods.",
        "head-not-supported": (
            "Express serves HEAD from `app.get` routes: a refused HEAD comes from middleware or a path with no "
            "GET route."),
        "options-mismatch": (
            "Express answers OPTIONS 200 with the matched routes' methods unless `cors()` answers it (204, no "
            "Allow): fix the routes, or answer OPTIONS yourself."),
        "method-override-honoured": (
            "Remove `app.use(methodOverride(...))` (the method-override package), or mount it only on HTML form "
            "routes, before which your method restrictions do not apply."),
        "trailing-slash-mismatch": (
            "Express matches `/items/` and `/items` alike unless `express.Router({ strict: true })`."),
        "cors-preflight-rejected": "`cors({ origin: [...], methods: [\"GET\", \"PUT\", \"DELETE\"] })`.",
    },
    "loopback": {
        "undeclared-method-accepted": (
            "A LoopBack route serves only the verbs it is declared for, so a method reaches another route: a literal "
            "path beside a template (`/items/count`, `/items/{id}`) gets the template's route for the methods it does "
            "not declare itself. Declare them on the literal path and answer 405, or check what "
            "`mountExpressRouter`/`expressMiddleware` mounts."),
        "declared-method-rejected": (
            "Declare the operation on a controller method (`@patch('/items/{id}')`, or `@operation('patch', ...)`): "
            "`Endpoint \"PATCH /items/1\" not found.` means the routing table has no route for that verb and path."),
        "wrong-status-for-undeclared-method": (
            "LoopBack's routing table matches verb and path together and throws 404 `Endpoint \"PUT /items\" not "
            "found.` when no route has the method: in your sequence, turn that error into 405 with an `Allow` of the "
            "path's declared methods where the path has routes (`HttpErrors.MethodNotAllowed` from @loopback/rest)."),
        "allow-missing": "LoopBack never sends Allow itself: set it where you answer 405.",
        "allow-mismatch": "Set the Allow of your 405 to the path's declared methods.",
        "head-not-supported": (
            "LoopBack does not derive HEAD from GET: a route serves only its own verb. Declare HEAD "
            "(`@operation('head', '/items')` on a method that answers as the GET does, without the body)."),
        "options-mismatch": (
            "LoopBack's default CORS middleware answers every OPTIONS 204, with every method in "
            "Access-Control-Allow-Methods and no Allow, before any route: set `rest.cors.methods` to the declared "
            "methods, and `rest.cors.preflightContinue: true` to answer OPTIONS from a route of your own."),
        "trailing-slash-mismatch": (
            "LoopBack retries a path with the trailing slash toggled unless its router is strict: "
            "`rest: {router: {strict: true}}` in the application's configuration."),
        "cors-preflight-rejected": "List the spec's methods in `rest.cors.methods` (the `cors` package's options).",
    },
    "spring": {
        "undeclared-method-accepted": (
            "`@RequestMapping` without `method` matches every method: use `@GetMapping`/`@PostMapping` or "
            "`@RequestMapping(path = \"/items\", method = RequestMethod.GET)`."),
        "declared-method-rejected": (
            "Add the handler (`@PatchMapping(\"/items/{id}\")`); a 403 to writes is Spring Security's CSRF "
            "protection (ignore it for stateless API paths)."),
        "wrong-status-for-undeclared-method": (
            "Spring Security's CSRF filter answers 403 to POST/PUT/PATCH/DELETE before Spring MVC can answer 405: "
            "`http.csrf(c -> c.ignoringRequestMatchers(\"/api/**\"))` for token-authenticated APIs."),
        "allow-mismatch": (
            "Spring MVC's Allow (HttpRequestMethodNotSupportedException) lists the methods mapped to the path "
            "pattern: map exactly the spec's methods."),
        "head-not-supported": (
            "Spring MVC serves HEAD from `@GetMapping`; a refusal comes from a filter or security rule that lists "
            "`HttpMethod.GET` only."),
        "options-mismatch": "Spring MVC answers OPTIONS with Allow from the mappings: fix the mappings.",
        "method-override-honoured": (
            "Turn off `HiddenHttpMethodFilter` (`spring.mvc.hiddenmethod.filter.enabled=false`, the Spring Boot "
            "default)."),
        "trailing-slash-mismatch": (
            "Spring 6 no longer matches a trailing slash: map the spec's spelling (or `UrlHandlerFilter` in 6.2)."),
        "trace-enabled": "Tomcat's `allowTrace` and DispatcherServlet's `dispatchTraceRequest` must stay false.",
        "cors-preflight-rejected": "`CorsConfiguration.setAllowedMethods(List.of(...))` or `@CrossOrigin(methods = ...)`.",
    },
    "aspnet": {
        "undeclared-method-accepted": (
            "An action without `[HttpGet]`/`[HttpPost]`... matches every method: add the attribute, or use "
            "`MapGet`/`MapPost` rather than `Map`."),
        "declared-method-rejected": "Add the endpoint (`app.MapPatch(...)` or `[HttpPatch]` on the action).",
        "wrong-status-for-undeclared-method": (
            "Endpoint routing answers 405 only when a route template matches with other methods: a 404 means no "
            "template matched (check `[Route]` templates and `MapGroup` prefixes)."),
        "allow-missing": (
            "A 405 from your code (`StatusCode(405)`) lacks Allow: let endpoint routing refuse the method, or set "
            "`Response.Headers.Allow`."),
        "head-not-supported": (
            "`MapGet` does not answer HEAD: `MapMethods(pattern, new[] { \"GET\", \"HEAD\" }, handler)` or "
            "`[HttpHead]` next to `[HttpGet]`."),
        "method-override-honoured": "Remove `app.UseHttpMethodOverride()` (or limit it to a form field).",
        "cors-preflight-rejected": "`policy.WithMethods(\"GET\", \"PUT\", \"DELETE\")` in the CORS policy.",
    },
    "rails": {
        "undeclared-method-accepted": (
            "Limit the routes: `resources :items, only: [:index, :show]`; `match ..., via: :all` accepts every method."),
        "declared-method-rejected": "Add the action to `resources ..., only: [...]` and to the controller.",
        "wrong-status-for-undeclared-method": (
            "Rails answers 404 (`No route matches [PUT]`) for a method without a route: after the resources, "
            "`match \"/items\", to: \"errors#method_not_allowed\", via: :all` and set `Allow` there."),
        "allow-missing": "Rails never sends Allow itself: set `response.headers[\"Allow\"]` in the 405 action.",
        "method-override-honoured": (
            "Rack::MethodOverride turns `_method` into the real method (full Rails apps): "
            "`config.middleware.delete Rack::MethodOverride` for the API."),
        "cors-preflight-rejected": "rack-cors: `resource \"*\", methods: [:get, :put, :delete]`.",
    },
    "go": {
        "undeclared-method-accepted": (
            "Use method patterns (Go 1.22+): `mux.HandleFunc(\"GET /items/{id}\", h)`; ServeMux then answers 405 "
            "with Allow for the path's other methods."),
        "wrong-status-for-undeclared-method": (
            "A pattern without a method matches every method: register `\"GET /items\"` style patterns (Go 1.22+), "
            "which answer 405 with Allow instead of the handler's 404."),
        "allow-missing": (
            "`http.Error(w, ..., 405)` sends no Allow: `w.Header().Set(\"Allow\", \"GET, POST\")` first, or use "
            "method patterns, which do."),
        "head-not-supported": (
            "`\"GET /x\"` patterns match HEAD too; a handler testing `r.Method != http.MethodGet` refuses it."),
    },
    # -- gateways ------------------------------------------------------------------------------------
    "nginx": {
        "declared-method-rejected": (
            "nginx refuses the method itself: `limit_except GET { deny all; }` lets only GET/HEAD through (list "
            "the declared methods: `limit_except GET POST PUT { deny all; }`), an `if ($request_method ...) "
            "{ return 405; }` refuses it, or the location serves files (POST to a static file is 405): "
            "`proxy_pass` it to the application."),
        "wrong-status-for-undeclared-method": (
            "`limit_except ... { deny all; }` answers 403: to answer 405, "
            "`if ($request_method !~ ^(GET|HEAD|POST)$) { add_header Allow \"GET, HEAD, POST\" always; return 405; }`."),
        "allow-missing": "nginx's own 405 has no Allow: `add_header Allow \"GET, HEAD\" always;` in that location.",
        "undeclared-method-accepted": (
            "Stop undeclared methods at the edge: `limit_except GET POST { deny all; }` (403), or the "
            "`if ... return 405` form with `add_header Allow ... always`."),
        "trace-enabled": "nginx refuses TRACE itself; a 2xx came from the app: `if ($request_method = TRACE) { return 405; }`.",
        "trailing-slash-mismatch": (
            "`location /x/ { proxy_pass ...; }` makes nginx answer `/x` with 301: add "
            "`location = /x { proxy_pass ...; }` for the spec's spelling."),
        "redirect-changes-method": (
            "nginx's slash redirect and `return 301` turn POST into GET: `return 308 $uri/;`, or route the "
            "documented spelling."),
    },
    "apache": {
        "declared-method-rejected": (
            "`<LimitExcept GET POST> Require all denied </LimitExcept>` or `AllowMethods GET POST` "
            "(mod_allowmethods) refuses the others: list the declared ones."),
        "wrong-status-for-undeclared-method": (
            "`<LimitExcept>` with `Require all denied` answers 403; `AllowMethods GET POST` (mod_allowmethods) "
            "answers 405."),
        "trace-enabled": "`TraceEnable off` in the server configuration.",
    },
    "envoy": {
        "declared-method-rejected": (
            "An Envoy route matches on `:method` (`headers: [{name: \":method\", string_match: {exact: GET}}]`) "
            "or an RBAC filter denies it (`RBAC: access denied`): add the method to the route match or policy."),
        "wrong-status-for-undeclared-method": (
            "Envoy answers 404 when no route matches the method: add a route for the path with "
            "`direct_response: {status: 405}` and `response_headers_to_add` an Allow."),
    },
    "aws-api-gateway": {
        "declared-method-rejected": (
            "REST APIs answer 403 `Missing Authentication Token` for a method the resource lacks: add the method "
            "(or `ANY`) to the resource and redeploy the stage; HTTP APIs answer 404: add the route "
            "(`PUT /items/{id}`)."),
        "wrong-status-for-undeclared-method": (
            "API Gateway answers 403 (`Missing Authentication Token`) to undefined methods: to answer 405, define "
            "the method with a mock integration returning 405 and an `Allow` response header."),
        "cors-preflight-rejected": (
            "Enable CORS on the resource: the OPTIONS mock integration's `Access-Control-Allow-Methods` must list "
            "the methods (HTTP APIs: `CorsConfiguration.AllowMethods`)."),
    },
    "aws-elb": {
        "declared-method-rejected": (
            "An ALB listener rule (`http-request-method` condition) or AWS WAF rule refuses the method: add it to "
            "the rule's method list."),
    },
    "cloudflare": {
        "declared-method-rejected": (
            "A Cloudflare WAF rule blocks the method (`cf-mitigated`, error 1020): find the event by its Ray ID "
            "(`cf-ray`) under Security → Events and exempt the API's methods (`http.request.method`)."),
    },
}


def fix_for(rule_id: str, stack_id: str) -> str | None:
    """The stack's fix for the rule, through ``ALIASES`` and the stack's parent; None when there is none."""
    seen: set[str] = set()
    stack: str | None = stack_id
    while stack and stack not in seen:
        seen.add(stack)
        table = FIXES.get(stack, {})
        text = table.get(rule_id) or table.get(ALIASES.get(rule_id, ""))
        if text:
            return text
        stack = STACKS.get(stack, ("", None, ""))[1]
    return None
