import Foundation
import Vapor
import BiebCore
import BiebStore

/// The member page's consents (`/staff/members/{id}`): per purpose what is on now, the exact words that
/// a choice stores (the member portal's, in the member's language: `StaffConsents`), a form to record
/// the member's choice at the desk (`action=consent`, decoded as `ConsentInput` like the API's `PUT`),
/// and every change, newest first.
extension DeskPages {
    struct ConsentChoice: Encodable {
        /// The purpose's code, also the form's field id (`consent_<purpose>`: underscores, no hyphens).
        let purpose: String
        let label: String
        let now: String
        /// Which answer is ticked: what was sent when the form was refused, else what is on now.
        let on: Bool
        let words: String
        /// The refusal of this purpose's form, next to its choice.
        let error: String?
    }

    struct ConsentRow: Encodable {
        let when: String
        let purpose: String
        let choice: String
        let way: String
    }

    struct ConsentPanel: Encodable {
        /// Whether this staff member records choices for the member (manageMembers at the home branch).
        let canRecord: Bool
        /// The language of the words (the member's): the `lang` of the quotes.
        let lang: String
        let note: String
        let choices: [ConsentChoice]
        let history: [ConsentRow]
    }

    /// The id of a purpose's form field ("consent_newsletter"), which the form's errors name.
    static func consentFieldID(_ purpose: String) -> String { "consent_\(purpose)" }

    /// A consent form's errors: the choice (`granted`) at its purpose's field; an unknown purpose in the summary only.
    static func consentFieldIDs(_ purpose: String) -> [String: String] {
        ConsentPurpose(rawValue: purpose) == nil ? [:] : ["granted": consentFieldID(purpose)]
    }

    func consentPanel(_ service: DeskService, page: StaffPages.Page, member: Member, errors: FormErrors?,
                      typed: (purpose: String, granted: Bool?)?) async throws -> ConsentPanel {
        let consents = StaffConsents(service: service, member: member)
        let current = try await consents.current()
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let staffNames = Dictionary(try await StaffDirectory(service.req.db).users(of: service.organisation.id!).map {
            ($0.id!.uuidString.lowercased(), $0.name)
        }) { first, _ in first }
        func label(_ purpose: ConsentPurpose) -> String { page.t("consent_label_\(purpose.rawValue)") }
        func way(_ source: String) -> String {
            let parts = source.split(separator: ":", maxSplits: 1).map(String.init)
            let words = Locales.table(page.lang)["consent_source_\(parts.first ?? source)"] ?? source
            guard parts.count == 2 else { return words }
            return "\(words) (\(staffNames[parts[1]] ?? page.t("member_consent_staff_gone")))"
        }
        return ConsentPanel(
            canRecord: service.user.can(.manageMembers, branch: member.homeBranchID),
            lang: consents.dutch ? "nl" : "en",
            note: page.t("member_consent_words_note", ["language": page.t(consents.dutch ? "language_name_nl" : "language_name_en")]),
            choices: ConsentPurpose.allCases.map { purpose in
                let on = current[purpose] ?? purpose.onUntilWithdrawn
                let sent = typed?.purpose == purpose.rawValue ? typed?.granted : nil
                return ConsentChoice(purpose: purpose.rawValue, label: label(purpose), now: page.t(on ? "member_consent_on" : "member_consent_off"),
                                     on: sent ?? on, words: consents.words(purpose), error: errors?.fields[Self.consentFieldID(purpose.rawValue)])
            },
            history: try await consents.history().map { record in
                ConsentRow(when: formats.dateWithYear(LocalDate(record.at, in: service.organisation.zone)) + " " + formats.time(record.at),
                           purpose: label(record.purpose), choice: page.t(record.granted ? "member_consent_on" : "member_consent_off"),
                           way: way(record.source))
            })
    }

    /// Records the member's choice for one purpose (`action=consent`); the message says whether it changed anything.
    func recordConsent(_ req: Request, _ service: DeskService, page: StaffPages.Page, member: Member, purpose text: String?) async throws -> String {
        _ = try req.staff(.manageMembers, branch: member.homeBranchID)
        let purpose = try ConsentInput.purpose(text)
        let changed = try await StaffConsents(service: service, member: member).record(purpose, try req.content.decode(ConsentInput.self))
        return page.t(changed ? "member_consent_saved" : "member_consent_unchanged", ["what": page.t("consent_label_\(purpose.rawValue)")])
    }
}
