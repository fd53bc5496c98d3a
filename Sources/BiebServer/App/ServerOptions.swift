import Foundation
import BiebStore
import Vapor

/// Everything the server needs to know at start; read from the command line
/// and environment by the `bieb` command.
public struct ServerOptions: Sendable {
    public var database: DatabaseLocation
    public var host: String
    public var port: Int
    /// Run pending migrations during configuration.
    public var migrateOnStart: Bool
    /// Bcrypt cost for new password hashes (tests lower it to stay fast).
    public var bcryptCost: Int
    /// Mark cookies Secure (set when served over HTTPS, `BIEB_SECURE_COOKIES=1`).
    public var secureCookies: Bool
    /// Staff page sessions end after this many seconds.
    public var sessionLifetime: TimeInterval
    /// API tokens expire after this many seconds.
    public var tokenLifetime: TimeInterval
    /// The public base URL (`BIEB_PUBLIC_URL`), for absolute links; defaults to host and port.
    public var publicURL: String?
    /// Load the search columns of every organisation in the background at
    /// start (`bieb serve` and `bieb demo`; tests leave it off).
    public var warmSearch = false
    /// Run background jobs (hold expiry, daily fines) on this server
    /// (`bieb serve` and `bieb demo`; tests run them by hand).
    public var backgroundJobs = false
    /// Run the SIP2 listener for self-service machines (`bieb serve` and
    /// `bieb demo`, port 6001 unless `--sip2-port` says otherwise).
    public var sip2: SIP2Options?
    /// The mail server for the outbox (`BIEB_SMTP_…`); without one, messages wait.
    public var smtp: SMTPSettings?
    /// `bieb demo` without a mail server: a small SMTP server of its own on
    /// `mailSinkPort` that keeps every message as an .eml file in this folder.
    public var mailSinkFolder: String?
    public var mailSinkPort = 2525
    /// Take a free port when `mailSinkPort` is in use (unless the port was asked for with `--smtp-port`).
    public var mailSinkPortFallback = true
    /// Online payment (`BIEB_PAYMENT_PROVIDER`, `BIEB_MOLLIE_API_KEY`); nil: pay at the desk only.
    public var payments: PaymentSettings?
    /// Addresses of reverse proxies in front of the server
    /// (`BIEB_TRUSTED_PROXIES`): from them, the client's address is read
    /// from `X-Forwarded-For` (`Request.clientAddress`).
    public var trustedProxies: Set<String> = []
    /// Longest request target (path and query) in bytes; a longer one is a 414.
    public var maximumURLLength = 8_192
    /// How long a SQLite statement waits for a lock, in milliseconds (`BIEB_SQLITE_BUSY_TIMEOUT`).
    public var sqliteBusyTimeout = BiebDatabase.defaultBusyTimeout

    public init(database: DatabaseLocation, host: String = "127.0.0.1", port: Int = 8080, migrateOnStart: Bool = true,
                bcryptCost: Int = 12, secureCookies: Bool = false,
                sessionLifetime: TimeInterval = 12 * 3600, tokenLifetime: TimeInterval = 30 * 86400, publicURL: String? = nil) {
        self.database = database
        self.host = host
        self.port = port
        self.migrateOnStart = migrateOnStart
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.tokenLifetime = tokenLifetime
        self.publicURL = publicURL
    }

    /// The base URL for absolute links.
    public var baseURL: String {
        if let publicURL, !publicURL.isEmpty { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        return "http://\(host == "0.0.0.0" ? "localhost" : host):\(port)"
    }
}

struct ServerOptionsKey: StorageKey {
    typealias Value = ServerOptions
}

extension Application {
    /// The options the server was configured with.
    public var bieb: ServerOptions {
        get { storage[ServerOptionsKey.self]! }
        set { storage[ServerOptionsKey.self] = newValue }
    }
}

extension Request {
    var bieb: ServerOptions { application.bieb }
}

struct CalendarCacheKey: StorageKey {
    typealias Value = CalendarCache
}

extension Application {
    /// Branch calendars built once per calendar version (see `CalendarCache`).
    var calendarCache: CalendarCache {
        if let cache = storage[CalendarCacheKey.self] { return cache }
        let cache = CalendarCache()
        storage[CalendarCacheKey.self] = cache
        return cache
    }
}

extension Request {
    /// Branch reads and writes for this request, with the shared calendar cache.
    var branches: BranchDirectory { BranchDirectory(db, cache: application.calendarCache) }
}

struct SearchMemoryKey: StorageKey {
    typealias Value = SearchMemory
}

extension Application {
    /// What catalogue search keeps in memory (facet columns, ranked hit lists); set up in `configure`.
    public var searchMemory: SearchMemory { storage[SearchMemoryKey.self]! }
}

extension Request {
    /// Catalogue search of an organisation, with the shared search memory.
    func catalogSearch(_ organisationID: UUID) -> CatalogSearch {
        CatalogSearch(db, organisationID: organisationID, memory: application.searchMemory)
    }
}
