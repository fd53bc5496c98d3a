import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Rule books built from the database, kept per organisation and rules
/// version, and the circulation settings (with the rules version) kept per
/// `ConfigVersion`: a change on any app server is seen at the next request.
public final class RuleBookCache: @unchecked Sendable {
    private let lock = NSLock()
    private var books: [UUID: (version: Int, book: LoanRuleBook)] = [:]
    private var settings: [UUID: (settings: CirculationSettings, configVersion: Int)] = [:]

    public init() {}

    /// A copy of the settings held (a caller may change its copy, as the settings form does, and then fail to save).
    func settings(_ organisationID: UUID, configVersion: Int) -> CirculationSettings? {
        lock.withLock { settings[organisationID].flatMap { $0.configVersion == configVersion ? $0.settings.copy() : nil } }
    }

    func store(_ organisationID: UUID, settings value: CirculationSettings, configVersion: Int) {
        lock.withLock { settings[organisationID] = (value.copy(), configVersion) }
    }

    func book(_ organisationID: UUID, version: Int) -> LoanRuleBook? {
        lock.withLock { books[organisationID].flatMap { $0.version == version ? $0.book : nil } }
    }

    func store(_ organisationID: UUID, version: Int, book: LoanRuleBook) {
        lock.withLock { books[organisationID] = (version, book) }
    }
}

/// An organisation's loan rules and circulation settings.
public struct LoanRuleStore: Sendable {
    public let db: any Database
    public let organisationID: UUID
    public let cache: RuleBookCache?
    /// The organisation's `ConfigVersion` as read for this request: the cached settings are used only when made at it.
    public let configVersion: Int?

    public init(_ db: any Database, organisationID: UUID, cache: RuleBookCache? = nil, configVersion: Int? = nil) {
        self.db = db
        self.organisationID = organisationID
        self.cache = cache
        self.configVersion = configVersion
    }

    /// The settings (defaults when the organisation never saved any).
    public func settings() async throws -> CirculationSettings {
        guard let cache, let configVersion else { return try await readSettings() }
        if let cached = cache.settings(organisationID, configVersion: configVersion) { return cached }
        let settings = try await readSettings()
        cache.store(organisationID, settings: settings, configVersion: configVersion)
        return settings
    }

    func readSettings() async throws -> CirculationSettings {
        let settings = CirculationSettings(organisationID: organisationID)
        // Read on every desk action: plain SQL rather than a model decode.
        guard let row = try await db.sql.select()
            .columns("hold_shelf_days", "hold_expiry_days", "floating", "fee_limit_cents", "lost_item_cents", "rules_version")
            .from(CirculationSettings.schema).where("organisation_id", .equal, organisationID).first() else { return settings }
        settings.holdShelfDays = try row.decode(column: "hold_shelf_days", as: Int.self)
        settings.holdExpiryDays = try row.decode(column: "hold_expiry_days", as: Int.self)
        settings.floating = try row.decode(column: "floating", as: Bool.self)
        settings.feeLimitCents = try row.decode(column: "fee_limit_cents", as: Int.self)
        settings.lostItemCents = try row.decode(column: "lost_item_cents", as: Int.self)
        settings.rulesVersion = try row.decode(column: "rules_version", as: Int.self)
        return settings
    }

    public func save(_ settings: CirculationSettings) async throws {
        guard (1...30).contains(settings.holdShelfDays) else {
            throw BiebError.invalid("hold_shelf_days", "Hold shelf days must be from 1 to 30.", nl: "Dagen op de afhaalplank: van 1 tot 30.")
        }
        guard (1...730).contains(settings.holdExpiryDays) else {
            throw BiebError.invalid("hold_expiry_days", "A hold lasts from 1 to 730 days.", nl: "Een reservering geldt van 1 tot 730 dagen.")
        }
        guard (0...100_000).contains(settings.feeLimitCents), (0...100_000).contains(settings.lostItemCents) else {
            throw BiebError.invalid("fee_limit_cents", "Amounts must be from 0 to 100,000 cents.", nl: "Bedragen: van 0 tot 100.000 cent.")
        }
        settings.id = organisationID
        let existing = try await CirculationSettings.find(organisationID, on: db)
        try await WriteGate.transaction(on: db) { tx in
            if let existing {
                existing.holdShelfDays = settings.holdShelfDays
                existing.holdExpiryDays = settings.holdExpiryDays
                existing.floating = settings.floating
                existing.feeLimitCents = settings.feeLimitCents
                existing.lostItemCents = settings.lostItemCents
                try await existing.update(on: tx)
            } else {
                try await settings.create(on: tx)
            }
        }
    }

    public func rules() async throws -> [LoanRuleRow] {
        try await LoanRuleRow.query(on: db).filter(\.$organisationID == organisationID).all()
    }

    /// Replaces all rules at once, after checking each (errors name the rule
    /// by its place: `rules[2].terms.loan_days`); two rules with the same
    /// scope are refused. Raises the rules version.
    public func replaceRules(_ rules: [(scope: LoanRuleScope, terms: LoanTerms)]) async throws {
        var seen: [LoanRuleScope: Int] = [:]
        let categories = Set(try await MemberDirectory(db, organisationID: organisationID).types(includeInactive: true).map(\.code))
        let branches = Set(try await Branch.query(on: db).filter(\.$organisation.$id == organisationID).all().map { $0.id! })
        for (index, rule) in rules.enumerated() {
            try rule.terms.validate(field: "rules[\(index)].terms")
            if let category = rule.scope.category, !categories.contains(category) {
                throw BiebError.invalid("rules[\(index)].category", "There is no membership type '\(category)'.",
                                        nl: "Er is geen abonnementsvorm '\(category)'.")
            }
            if let type = rule.scope.itemType, MaterialFormat(rawValue: type) == nil {
                throw BiebError.invalid("rules[\(index)].item_type", "Unknown item type '\(type)'.", nl: "Onbekende materiaalsoort '\(type)'.")
            }
            if let branch = rule.scope.branch, !branches.contains(branch) {
                throw BiebError.invalid("rules[\(index)].branch", "That branch is not one of this organisation's.",
                                        nl: "Die vestiging hoort niet bij deze organisatie.")
            }
            if let other = seen[rule.scope] {
                throw BiebError.invalid("rules[\(index)]", "Rules \(other) and \(index) apply to the same branch, category and item type.",
                                        nl: "Regels \(other) en \(index) gelden voor dezelfde vestiging, abonnementsvorm en materiaalsoort.")
            }
            seen[rule.scope] = index
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await LoanRuleRow.query(on: tx).filter(\.$organisationID == organisationID).delete()
            for rule in rules {
                let row = LoanRuleRow()
                row.organisationID = organisationID
                row.scope = rule.scope
                row.terms = rule.terms
                try await row.create(on: tx)
            }
            let sql = tx.sql
            try await sql.raw("""
                INSERT INTO circulation_settings (organisation_id, hold_shelf_days, hold_expiry_days, floating, fee_limit_cents, lost_item_cents, rules_version)
                VALUES (\(bind: organisationID), 7, 180, \(bind: false), 1000, 2500, 1)
                ON CONFLICT (organisation_id) DO UPDATE SET rules_version = circulation_settings.rules_version + 1
                """).run()
        }
    }

    /// The rule book for the settings' rules version (built and cached on first use).
    public func ruleBook(version: Int) async throws -> LoanRuleBook {
        if let book = cache?.book(organisationID, version: version) { return book }
        let rows = try await rules()
        let types = try await MemberDirectory(db, organisationID: organisationID).types(includeInactive: true)
        let branches = try await Branch.query(on: db).filter(\.$organisation.$id == organisationID).all()
        let book = LoanRuleBook(rules: rows.map { row in
            LoanRule(id: row.id, scope: row.scope, terms: row.terms, label: Self.label(row.scope, types: types, branches: branches))
        })
        cache?.store(organisationID, version: version, book: book)
        return book
    }

    /// "volwassen basis / Centrale Bibliotheek / dvd's".
    static func label(_ scope: LoanRuleScope, types: [MembershipType], branches: [Branch]) -> LoanRule.Label {
        let type = scope.category.flatMap { code in types.first { $0.code == code } }
        let branch = scope.branch.flatMap { id in branches.first { $0.id == id } }
        let format = scope.itemType.flatMap(MaterialFormat.init(rawValue:))
        func text(dutch: Bool) -> String {
            [type.map { $0.name(dutch: dutch).lowercased() } ?? scope.category ?? (dutch ? "alle leden" : "all members"),
             branch?.name ?? (dutch ? "alle vestigingen" : "all branches"),
             format?.plural(dutch: dutch) ?? (dutch ? "alle materialen" : "all materials")].joined(separator: " / ")
        }
        return LoanRule.Label(en: text(dutch: false), nl: text(dutch: true))
    }
}
