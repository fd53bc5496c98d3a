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
    static let internalColumns: Set<String> = ["id", "guardian_id"]

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
        if let prefix = Self.codes["\(section).\(column)"] {
            return Locales.table(lang)[prefix + value] ?? value
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
