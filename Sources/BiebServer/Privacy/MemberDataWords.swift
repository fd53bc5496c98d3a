import Foundation
import BiebCore

/// "My data" written for a person: the sections and rows of `MemberData` (the JSON download keeps
/// them complete and as stored), with amounts in euros, dates as people write them, codes in
/// words and internal numbers left out.
struct MemberDataWords {
    let lang: Language
    let formats: Formats

    init(lang: Language, timeZone: TimeZone) {
        self.lang = lang
        self.formats = Formats(lang: lang, timeZone: timeZone)
    }

    /// Internal numbers mean nothing to a person; the page leaves them out (the download keeps them).
    /// A name kept in both languages shows once, in the page's language.
    static let internalColumns: Set<String> = ["id", "guardian_id", "membership_type_en"]

    /// A section's rows as the page shows them: each value with its column's heading.
    func rows(of section: MemberData.Section) -> [[(heading: String, value: String)]] {
        let shown = self.shown(section)
        let english = section.columns.firstIndex(of: "membership_type_en")
        return section.rows.map { row in
            shown.map { index in
                let column = section.columns[index]
                var raw = row[index]
                if lang == .en, column == "membership_type", let english, let name = row[english], !name.isEmpty { raw = name }
                return (heading(column), value(section.key, column, raw))
            }
        }
    }

    /// Coded columns (section.column) and the prefix of the locale keys that say their values in words.
    static let codes: [String: String] = [
        "member.language": "language_name_", "cards.status": "card_status_", "loans.ended_as": "loan_ended_",
        "holds.status": "hold_status_", "space_bookings.status": "booking_status_", "registrations.status": "registration_status_",
        "appointments.status": "appointment_status_", "fees.kind": "fee_", "payments.purpose": "payment_purpose_",
        "payments.status": "payment_status_", "consents.purpose": "consent_label_", "consents.source": "consent_source_",
        "messages.kind": "notice_", "messages.status": "message_status_", "staff_views.role": "role_",
        "staff_views.purpose": "view_purpose_", "staff_views.via": "view_via_",
    ]

    /// The columns of a section the page shows.
    func shown(_ section: MemberData.Section) -> [Int] {
        section.columns.indices.filter { !Self.internalColumns.contains(section.columns[$0]) }
    }

    func heading(_ column: String) -> String { Locales.text("data_col_\(column)", lang) }

    /// One value as a person reads it; "—" for nothing.
    func value(_ section: String, _ column: String, _ value: String?) -> String {
        guard let value, !value.isEmpty else { return "—" }
        if section == "fees", column == "note" { return formats.feeNote(value) }
        if let prefix = Self.codes["\(section).\(column)"] {
            // A code may carry who after a colon (a consent recorded at the desk: "desk:<staff id>"): the page says the way.
            let code = value.split(separator: ":", maxSplits: 1).first.map(String.init) ?? value
            return Locales.table(lang)[prefix + value] ?? Locales.table(lang)[prefix + code] ?? value
        }
        if column.hasSuffix("_cents"), let cents = Int(value) { return Money.text(cents) }
        if value == "true" { return Locales.text("yes", lang) }
        if value == "false" { return Locales.text("no", lang) }
        if value.count == 10, let date = LocalDate(iso: value) { return formats.dateWithYear(date) }
        if value.count > 19, let instant = try? Date(value, strategy: .iso8601) {
            return formats.dateWithYear(LocalDate(instant, in: formats.timeZone)) + " " + formats.time(instant)
        }
        return value
    }
}
