import Fluent
import Foundation
import Leaf
import LeafKit
import Vapor
import BiebCore
import BiebStore

/// Sets up an application: database, migrations, sessions, views, errors,
/// metrics and every route. Used by `bieb serve`, `bieb demo` and the tests.
public func configure(_ app: Application, options: ServerOptions) async throws {
    app.bieb = options
    app.storage[CalendarCacheKey.self] = CalendarCache()
    app.storage[SearchMemoryKey.self] = SearchMemory()
    app.storage[TokenCacheKey.self] = TokenCache()
    app.storage[RuleBookCacheKey.self] = RuleBookCache()
    app.storage[DeskCacheKey.self] = DeskCache()
    app.storage[SearchTallyKey.self] = SearchTally()
    app.storage[SelfServiceStateKey.self] = SelfServiceState()
    app.http.server.configuration.hostname = options.host
    app.http.server.configuration.port = options.port
    app.http.server.configuration.reportMetrics = true
    app.http.server.configuration.serverName = "Bieb"
    app.routes.defaultMaxBodySize = "2mb"

    try BiebDatabase.configure(app, at: options.database)
    // Each migration's lines are details (LOG_LEVEL=debug or --verbose); a command says what it did in its own words.
    app.fluent.migrationLogLevel = .debug
    if options.migrateOnStart {
        try await BiebDatabase.migrate(app)
    }
    if case .sqliteFile(let path) = options.database {
        // A server checkpoints in the background; all write transactions go through one writer (SQLiteLane).
        let checkpointer = options.backgroundJobs
        try await BiebDatabase.tune(app, checkpointer: checkpointer, busyTimeout: options.sqliteBusyTimeout)
        if checkpointer { app.lifecycle.use(SQLiteCheckpointer(path: path)) }
        // Background work reads on a connection of its own, so its long reads hold up no event loop's requests.
        let background = BackgroundDatabase(path: path, app: app)
        try await background.tune(checkpointer: checkpointer, busyTimeout: options.sqliteBusyTimeout)
        app.storage[BackgroundDatabaseKey.self] = background
        app.lifecycle.use(background)
        app.storage[SQLiteLaneKey.self] = SQLiteLaneHolder(path: path, on: app.eventLoopGroup, logger: app.logger, checkpointer: checkpointer,
                                                           busyTimeout: options.sqliteBusyTimeout)
        app.lifecycle.use(SQLiteLaneShutdown())
    }

    app.paymentSettings = options.payments
    if options.warmSearch { app.lifecycle.use(SearchWarmup()) }
    if options.backgroundJobs { app.lifecycle.use(CirculationJobs()) }
    if options.backgroundJobs {
        var smtp = options.smtp
        if smtp == nil, let folder = options.mailSinkFolder {
            let sink = try await MailSinkService.start(folder: folder, port: options.mailSinkPort, fallback: options.mailSinkPortFallback,
                                                       on: app.eventLoopGroup, logger: app.logger)
            app.lifecycle.use(sink)
            app.bieb.mailSinkPort = sink.port
            smtp = SMTPSettings(host: "127.0.0.1", port: sink.port, security: .none, from: "noreply@bieb.demo")
        }
        app.lifecycle.use(OutboxSender(settings: smtp))
    }
    if let sip2 = options.sip2 { app.lifecycle.use(SIP2Listener(options: sip2)) }

    Metrics.bootstrapOnce()
    app.passwords.use(.bcrypt(cost: options.bcryptCost))

    // Sessions (staff pages only; the API uses bearer tokens).
    app.sessions.use { _ in DatabaseSessions() }
    app.sessions.configuration = SessionsConfiguration(cookieName: "bieb_session") { id in
        HTTPCookies.Value(string: id.string, expires: Date().addingTimeInterval(options.sessionLifetime),
                          maxAge: Int(options.sessionLifetime), path: "/", isSecure: options.secureCookies,
                          isHTTPOnly: true, sameSite: .lax)
    }

    // Views.
    let resources = Resources.directory
    let views = resources.appendingPathComponent("Views").path + "/"
    app.directory.viewsDirectory = views
    app.views.use(.leaf)
    // The bundle may live under a hidden folder (.build); keep the sandbox, allow that.
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
                                                  sandboxDirectory: views, viewDirectory: views))
    app.leaf.cache.isEnabled = app.environment.isRelease

    // Middleware, outermost first: the log line, the security headers (on every response: pages, errors, files),
    // the writer, errors (so they see everything after them), the guard against bad requests, then static files.
    app.middleware = Middlewares()
    app.middleware.use(RequestLogMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    if app.storage[SQLiteLaneKey.self] != nil { app.middleware.use(SQLiteLaneMiddleware()) }
    app.middleware.use(BiebErrorMiddleware())
    app.middleware.use(RequestGuardMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: resources.appendingPathComponent("Public").path + "/"))
    app.storage[AllowedMethodsKey.self] = AllowedMethods()

    try Locales.load()
    try routes(app)
}

func routes(_ app: Application) throws {
    try app.register(collection: OperationsController())
    try app.register(collection: OpenAPIController())
    try app.register(collection: AuthAPIController())
    try app.register(collection: BranchAPIController())
    try app.register(collection: UserAPIController())
    try app.register(collection: PartnerAPIController())
    try app.register(collection: CatalogAPIController())
    try app.register(collection: StaffPages())
    try app.register(collection: CatalogPages())
    try app.register(collection: ListAPIController())
    try app.register(collection: MemberAccountAPIController())
    try app.register(collection: MemberPortalPages())
    try app.register(collection: JoinPages())
    try app.register(collection: WelcomePages())
    try app.register(collection: OnlineJoinPages())
    try app.register(collection: MessagesAPIController())
    try app.register(collection: MessagePages())
    try app.register(collection: PaymentsAPIController())
    try app.register(collection: TestCheckoutPages())
    try app.register(collection: PrivacyAPIController())
    try app.register(collection: PrivacyPages())
    try app.register(collection: PaymentPages())
    try app.register(collection: StaffPaymentPages())
    try app.register(collection: ReadingTips())
    try app.register(collection: SpacesAPIController())
    try app.register(collection: ProgrammeAPIController())
    try app.register(collection: AgendaPages())
    try app.register(collection: StaffProgrammePages())
    try app.register(collection: MemberProgrammePages())
    try app.register(collection: CirculationAPIController())
    try app.register(collection: MemberAPIController())
    try app.register(collection: SelfServiceAPIController())
    try app.register(collection: SelfServicePages())
    try app.register(collection: DeskPages())
    try app.register(collection: LoanRulePages())
    try app.register(collection: InsightPages())
    try app.register(collection: MeasurementPages())
    try app.register(collection: AnnualReportPages())
    try app.register(collection: VisitorPages())
    try app.register(collection: InsightsAPIController())
    try app.register(collection: InsightSourcesAPIController())
    try app.register(collection: DigitalUsePages())
    try app.register(collection: StudyPlacePages())
    try app.register(collection: SummerReadingPages())
    try app.register(collection: CollectionAPIController())
    try app.register(collection: PlanningAPIController())
    try app.register(collection: ResearchAPIController())
    try app.register(collection: SurveyAnswerAPIController())
    try app.register(collection: ResearchPages())
    try app.register(collection: ResultPages())
    try app.register(collection: SurveyPages())
    try app.register(collection: PanelPages())
    try app.register(collection: CollectionPages())
    try app.register(collection: PlanningPages())
    try app.register(collection: ScenarioPages())
    try app.register(collection: AreaPages())
    try app.register(collection: WeedingPages())
    try app.register(collection: PurchasePages())
    try app.register(collection: BalancePages())
    try app.register(collection: ThemePages())
    try app.register(collection: ListPages())
    try app.register(collection: StaffCatalogPages())
    try app.register(collection: OAIController())
    try app.register(collection: SRUController())
    try app.register(collection: PublicPages())
}

/// The server's bundled resources (views, static files, locales, the OpenAPI document).
enum Resources {
    static let directory: URL = {
        let candidates = [Bundle.module.bundleURL, Bundle.module.resourceURL].compactMap { $0 }
            .flatMap { [$0.appendingPathComponent("Resources"), $0] }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Locales").path) }
            ?? Bundle.module.bundleURL.appendingPathComponent("Resources")
    }()
}

/// The SQLite writer of the application (`SQLiteLane`), when the database is a SQLite file.
struct SQLiteLaneKey: StorageKey { typealias Value = SQLiteLaneHolder }

extension Application {
    var sqliteLane: SQLiteLane? { storage[SQLiteLaneKey.self]?.current }
}

/// Closes the SQLite writer when the application stops (after the SIP2 listener, registered later).
struct SQLiteLaneShutdown: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.storage[SQLiteLaneKey.self]?.shutdown()
    }
}

/// Write transactions of HTTP requests run on the SQLite writer.
struct SQLiteLaneMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let lane = request.application.sqliteLane else { return try await next.respond(to: request) }
        return try await SQLiteLane.$current.withValue(lane) { try await next.respond(to: request) }
    }
}

/// The same security headers on every response — pages, API answers,
/// error pages and static files alike — and `Cache-Control: no-store` on
/// anything personal: member and staff pages, the member API, and any
/// answer to a request that carries a session or a token (unless the
/// route chose its own caching).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
        if response.headers[.cacheControl].isEmpty, Self.isPersonal(request) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }

    static func isPersonal(_ request: Request) -> Bool {
        let path = request.url.path
        if path.hasPrefix("/staff") || path.hasPrefix("/api/v1/my") || path.contains("/mijn") { return true }
        return request.headers[.authorization].first != nil
            || request.cookies[request.application.sessions.configuration.cookieName] != nil
    }
}
