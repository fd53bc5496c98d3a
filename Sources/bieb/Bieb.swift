import ArgumentParser
import Fluent
import Foundation
import Logging
import Vapor
import BiebCore
import BiebServer
import BiebStore

@main
struct Bieb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bieb",
        abstract: "Bieb, the open library services platform.",
        subcommands: [Serve.self, Demo.self, Migrate.self, ImportCommand.self, ExportCommand.self, ReindexCommand.self, UserCommand.self, OrganisationCommand.self,
                      SIP2ClientCommand.self, InsightsCommand.self, CollectionCommand.self, BackupCommand.self, RestoreCommand.self],
        defaultSubcommand: Serve.self)

    static func main() async {
        do {
            var command = try parseAsRoot()
            // A server logs at info; a one-off command shows only its own words (and warnings); --verbose shows the details.
            let serving = command is Serve || command is Demo
            LogSetup.bootstrap(defaultLevel: CommandLine.arguments.contains("--verbose") ? .debug : serving ? .info : .warning)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let error as BiebError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch let error where DatabaseFull.matches(error) {
            FileHandle.standardError.write(Data("""
                error: the database's disk is full (\(String(reflecting: error))). Nothing half-done was kept: \
                each transaction was stored whole or not at all. Free space, then run the command again.

                """.utf8))
            Foundation.exit(1)
        } catch let error where DatabaseUnreachable.matches(error) {
            FileHandle.standardError.write(Data("error: the database cannot be reached (\(String(reflecting: error))). Run the command again when it is back.\n".utf8))
            Foundation.exit(1)
        } catch let error as any DatabaseError {
            // Database errors hide their details from `description` (they may hold data); on the
            // operator's own console the details are what is needed.
            FileHandle.standardError.write(Data("error: the database refused: \(String(reflecting: error))\n".utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

/// Options shared by every command that opens the database. Which database
/// a command works on, in order: `--database` (a SQLite file or a
/// postgres:// URL), `DATABASE_URL`, or the command's own file in `--data`
/// (`bieb.sqlite`; the demo's is `demo.sqlite`). Each command says which it used.
struct DatabaseOptions: ParsableArguments {
    @ArgumentParser.Option(name: .long, help: "Folder for the embedded SQLite database (ignored when --database or DATABASE_URL is set).")
    var data: String = "./bieb-data"

    @ArgumentParser.Option(name: .long, help: ArgumentHelp(
        "The database: a SQLite file or a postgres:// URL (default: DATABASE_URL, else DATA/bieb.sqlite; the demo's is DATA/demo.sqlite).",
        valueName: "file-or-url"))
    var database: String?

    @ArgumentParser.Flag(name: .long, help: "Show the details: the framework's log lines, each migration (LOG_LEVEL sets the level).")
    var verbose = false

    func location(defaultFile: String) -> DatabaseLocation {
        if let database, !database.isEmpty {
            if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") { return .postgres(url: database) }
            return .sqliteFile(path: URL(fileURLWithPath: database).path)
        }
        return DatabaseLocation.fromEnvironment(dataDirectory: data, fileName: defaultFile)
    }
}

struct ServerFlags: ParsableArguments {
    @ArgumentParser.Option(name: .long, help: "Address to listen on (0.0.0.0 for all interfaces).")
    var host: String = Environment.get("BIEB_HOST") ?? "127.0.0.1"

    @ArgumentParser.Option(name: .long, help: "Port to listen on.")
    var port: Int = Environment.get("BIEB_PORT").flatMap(Int.init) ?? 8080

    @ArgumentParser.Option(name: .customLong("sip2-port"), help: "Port of the SIP2 listener for kiosks, sorters and doors (0: none).")
    var sip2Port: Int = Environment.get("BIEB_SIP2_PORT").flatMap(Int.init) ?? 6001

    @ArgumentParser.Option(name: .customLong("sip2-certificate"), help: "PEM certificate (chain) for SIP2 over TLS.")
    var sip2Certificate: String? = Environment.get("BIEB_SIP2_CERTIFICATE")

    @ArgumentParser.Option(name: .customLong("sip2-key"), help: "PEM private key for SIP2 over TLS.")
    var sip2Key: String? = Environment.get("BIEB_SIP2_KEY")

    @ArgumentParser.Option(name: .customLong("sip2-idle-timeout"), help: "Seconds a SIP2 connection may stay silent before it is closed.")
    var sip2IdleTimeout: Int = Environment.get("BIEB_SIP2_IDLE_TIMEOUT").flatMap(Int.init) ?? 1_800

    @ArgumentParser.Option(name: .customLong("sip2-login-timeout"), help: "Seconds a new SIP2 connection has to log in before it is closed.")
    var sip2LoginTimeout: Int = Environment.get("BIEB_SIP2_LOGIN_TIMEOUT").flatMap(Int.init) ?? 30

    @ArgumentParser.Option(name: .customLong("sip2-max-connections"), help: "Open SIP2 connections at most.")
    var sip2MaxConnections: Int = Environment.get("BIEB_SIP2_MAX_CONNECTIONS").flatMap(Int.init) ?? 1_000

    @ArgumentParser.Option(name: .customLong("sip2-max-connections-per-address"),
                           help: "Open SIP2 connections at most from one address (IPv6: one /64).")
    var sip2MaxPerAddress: Int = Environment.get("BIEB_SIP2_MAX_CONNECTIONS_PER_ADDRESS").flatMap(Int.init) ?? 100

    /// The SIP2 listener's options (nil when turned off), on the same address as HTTP.
    var sip2: SIP2Options? {
        guard sip2Port > 0 else { return nil }
        return SIP2Options(host: host, port: sip2Port, certificatePath: sip2Certificate, keyPath: sip2Key, idleSeconds: max(1, sip2IdleTimeout),
                           loginSeconds: max(1, sip2LoginTimeout), maximumConnections: max(1, sip2MaxConnections),
                           maximumConnectionsPerAddress: max(1, sip2MaxPerAddress))
    }
}

enum Runner {
    /// Builds a configured application (production mode unless BIEB_ENV says otherwise).
    static func application(database: DatabaseLocation, host: String = "127.0.0.1", port: Int = 8080, migrate: Bool,
                            quiet: Bool = false, serving: Bool = false, sip2: SIP2Options? = nil,
                            mailSinkFolder: String? = nil, mailSinkPort: Int? = nil, demo: Bool = false) async throws -> Application {
        let name = Environment.get("BIEB_ENV") ?? "production"
        let app = try await Application.make(Environment(name: name, arguments: ["bieb"]), .shared(Self.eventLoops(for: database)))
        if quiet && Environment.get("LOG_LEVEL") == nil { app.logger.logLevel = .warning }
        var options = ServerOptions(database: database, host: host, port: port, migrateOnStart: migrate)
        options.secureCookies = Environment.get("BIEB_SECURE_COOKIES") == "1"
        options.publicURL = Environment.get("BIEB_PUBLIC_URL")
        options.trustedProxies = Set((Environment.get("BIEB_TRUSTED_PROXIES") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        options.warmSearch = serving
        options.backgroundJobs = serving
        options.sip2 = serving ? sip2 : nil
        do {
            options.smtp = try SMTPSettings.fromEnvironment()
        } catch let error as BiebError {
            try? await app.asyncShutdown()
            throw ValidationError(error.message(dutch: false))
        }
        options.mailSinkFolder = mailSinkFolder
        if let mailSinkPort {
            options.mailSinkPort = mailSinkPort
            options.mailSinkPortFallback = false
        }
        if let smtp = options.smtp, smtp.security == .none, smtp.user != nil, !["127.0.0.1", "localhost", "::1"].contains(smtp.host) {
            app.logger.warning("BIEB_SMTP_SECURITY=none with a user: the SMTP password goes over the network unencrypted. Use starttls or tls.")
        }
        do {
            // The demo (with its mail sink) pays with the built-in test provider unless Mollie is set up.
            options.payments = try PaymentSettings.fromEnvironment(default: demo ? .test : nil)
        } catch let error as BiebError {
            try? await app.asyncShutdown()
            throw ValidationError(error.message(dutch: false))
        }
        if options.payments?.provider == .mollie && (options.publicURL ?? "").isEmpty {
            app.logger.warning("online payments with Mollie need BIEB_PUBLIC_URL (the address Mollie calls back and sends members to).")
        }
        if options.payments?.provider == .test && !demo {
            app.logger.warning("online payments use the built-in TEST provider: anyone can 'pay'. Set BIEB_MOLLIE_API_KEY for real payments.")
        }
        if let cost = Environment.get("BIEB_BCRYPT_COST").flatMap(Int.init) { options.bcryptCost = cost }
        if let busy = Environment.get("BIEB_SQLITE_BUSY_TIMEOUT").flatMap(Int.init) { options.sqliteBusyTimeout = busy }
        if let length = Environment.get("BIEB_MAX_URL_LENGTH").flatMap(Int.init) { options.maximumURLLength = max(1_024, length) }
        do {
            try await configure(app, options: options)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    /// The event loops of the server. On SQLite every event loop has one
    /// database connection, and a desk transaction holds its connection
    /// until it commits; with more loops than cores, requests of other
    /// desks read on the other connections meanwhile (8 per core measured
    /// best on two cores: docs/PERFORMANCE.md). `BIEB_EVENT_LOOPS` overrides.
    static func eventLoops(for database: DatabaseLocation) -> MultiThreadedEventLoopGroup {
        let cores = System.coreCount
        let count = Environment.get("BIEB_EVENT_LOOPS").flatMap(Int.init) ?? (database.isPostgres ? cores : max(8, cores * 8))
        return MultiThreadedEventLoopGroup(numberOfThreads: max(1, count))
    }

    /// Serves until SIGINT/SIGTERM, then shuts down gracefully.
    static func serve(_ app: Application) async throws {
        do {
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (SQLite in --data, or PostgreSQL from DATABASE_URL).")

    @ArgumentParser.OptionGroup var database: DatabaseOptions
    @ArgumentParser.OptionGroup var server: ServerFlags

    func run() async throws {
        let location = database.location(defaultFile: "bieb.sqlite")
        let app = try await Runner.application(database: location, host: server.host, port: server.port, migrate: true,
                                               serving: true, sip2: server.sip2)
        app.logger.notice("Bieb on \(location)")
        try await Runner.serve(app)
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create (or reuse) a demo library network and serve it.")

    @ArgumentParser.OptionGroup var database: DatabaseOptions
    @ArgumentParser.OptionGroup var server: ServerFlags

    @ArgumentParser.Option(name: .customLong("smtp-port"),
                           help: "Port of the demo's own mail server (default 2525, or a free port when 2525 is taken).")
    var smtpPort: Int?

    func run() async throws {
        let location = database.location(defaultFile: "demo.sqlite")
        let mailFolder = URL(fileURLWithPath: database.data).appendingPathComponent("mail").path
        let app = try await Runner.application(database: location, host: server.host, port: server.port, migrate: true,
                                               serving: true, sip2: server.sip2, mailSinkFolder: mailFolder, mailSinkPort: smtpPort, demo: true)
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        let created: Bool
        do {
            // Creating it takes a while (two years of history): a progress line says where it is.
            let bar = ProgressBar(label: "Creating the demo")
            created = try await DemoNetwork.seed(app: app, today: today) { done, step in bar.update(fraction: done, text: step) }
            bar.finish()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        let base = app.bieb.baseURL
        var lines = [
            "",
            created ? "Bieb demo created in \(location)." : "Bieb demo reused from \(location).",
            "",
            "  Open:         \(base)/",
            "  Den Haag:     \(base)/den-haag",
            "  Heemstede:    \(base)/heemstede",
            "  Catalogue:    \(base)/den-haag/catalogus?q=avonden",
            "  Staff login:  \(base)/staff/login",
            "  Desk:         \(base)/staff/desk (member cards 2000000001 … 2000000240)",
            "  Members:      \(base)/den-haag/mijn — card 2000000001 … 2000000040 with PIN \(DemoSelfService.pin)",
            "                (\(DemoPortal.guardianCard) is also a parent's account), or \(DemoPortal.email) with password \(DemoNetwork.password)",
            "  API:          \(base)/api/openapi.json",
            app.bieb.smtp == nil
                ? "  Mail:         notices go to a local SMTP server on port \(app.bieb.mailSinkPort) and are kept in \(mailFolder)/*.eml"
                : "  Mail:         notices go to \(app.bieb.smtp!.host):\(app.bieb.smtp!.port)",
            "",
            "  Demo accounts (password: \(DemoNetwork.password)):",
        ]
        for account in DemoNetwork.accounts {
            lines.append("    \(account.email.padding(toLength: 32, withPad: " ", startingAt: 0)) \(account.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(account.note)")
        }
        if let sip2 = server.sip2 {
            lines += [
                "",
                "  SIP2 (kiosks, sorters, doors) on port \(sip2.port)\(sip2.certificatePath != nil ? " with TLS" : ""):",
                "    terminals \(DemoSelfService.kiosk), \(DemoSelfService.sorter), \(DemoSelfService.door) (password \(DemoNetwork.password));",
                "    members 2000000001 … 2000000040 have PIN \(DemoSelfService.pin). Try:",
                "    bieb sip2 --port \(sip2.port) --login \(DemoSelfService.kiosk) --password \(DemoNetwork.password) '990 402.00' \\",
                "      '63001\(SIP2.date(Date(), in: BranchCalendar.amsterdam))          AOden-haag|AA2000000001|AD\(DemoSelfService.pin)|'",
            ]
        }
        lines.append("")
        lines.append("  Stop with Ctrl-C.")
        lines.append("")
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try await Runner.serve(app)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run pending database migrations and exit.")

    @ArgumentParser.OptionGroup var database: DatabaseOptions

    func run() async throws {
        let location = database.location(defaultFile: "bieb.sqlite")
        let app = try await Runner.application(database: location, migrate: true)
        try await app.asyncShutdown()
        print("Migrations done on \(location).")
    }
}

struct OrganisationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "org", abstract: "Manage organisations.",
                                                    subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a library organisation.")

        @ArgumentParser.OptionGroup var database: DatabaseOptions
        @ArgumentParser.Option(help: "URL name, e.g. den-haag.") var slug: String
        @ArgumentParser.Option(help: "Full name, e.g. \"Bibliotheek Den Haag\".") var name: String
        @ArgumentParser.Option(help: "IANA time zone.") var timeZone: String = "Europe/Amsterdam"

        func run() async throws {
            let location = database.location(defaultFile: "bieb.sqlite")
            let app = try await Runner.application(database: location, migrate: true)
            let organisation = Organisation(slug: slug, name: name, timeZone: timeZone)
            do {
                try await OrganisationAdmin.create(organisation, on: app.db)
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
            print("Created organisation \(name) (\(slug)) in \(location).")
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage staff accounts.",
                                                    subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account. The password is read from standard input (or asked for on a terminal).")

        @ArgumentParser.OptionGroup var database: DatabaseOptions
        @ArgumentParser.Option(help: "admin, staff, volunteer, partner or privacy_officer.") var role: String
        @ArgumentParser.Option(help: "E-mail address (the sign-in name).") var email: String
        @ArgumentParser.Option(help: "Display name (default: the part of the e-mail before @).") var name: String?
        @ArgumentParser.Option(help: "Organisation slug (needed when there is more than one).") var org: String?
        @ArgumentParser.Option(help: "Branch slug (needed for volunteers).") var branch: String?
        @ArgumentParser.Option(help: "Partner organisation, by name (needed for partner contacts).") var partner: String?

        func run() async throws {
            guard let roleValue = StaffRole(rawValue: role) else {
                throw BiebError.invalid("--role", "Unknown role '\(role)'; use admin, staff, volunteer, partner or privacy_officer.")
            }
            let password = try PasswordInput.read()
            let location = database.location(defaultFile: "bieb.sqlite")
            let app = try await Runner.application(database: location, migrate: true)
            do {
                let user = try await AccountAdmin.create(email: email, name: name, role: roleValue, organisation: org,
                                                         branch: branch, partner: partner, password: password, app: app)
                print("Created \(user.role.rawValue) account \(user.email) in \(location).")
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }
    }
}

enum PasswordInput {
    /// Reads a password: prompted twice without echo on a terminal, else the
    /// first line of standard input.
    static func read() throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            guard let first = getpass("Password: ").map({ String(cString: $0) }),
                  let second = getpass("Password again: ").map({ String(cString: $0) }) else {
                throw BiebError.invalid("password", "No password given.")
            }
            guard first == second else { throw BiebError.invalid("password", "The two passwords differ.") }
            return first
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw BiebError.invalid("password", "No password on standard input.")
        }
        return line
    }
}
