import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The messages Bieb sends members: their default wording in Dutch and
/// English, the placeholders each offers, and the rendering of an outbox
/// message just before it goes out (from the facts as they are then: a
/// hold already collected gets no "ready" mail).
///
/// Subjects say what the message is about, never which book or what is
/// owed (a title can say more about a person than they want in a subject
/// line, which shows on lock screens and in notification previews).
enum Notices {
    /// Placeholders every message has.
    static let common: Set<String> = ["name", "library", "account_url", "preferences_url"]

    static func placeholders(_ kind: NoticeKind) -> Set<String> {
        switch kind {
        case .holdReady: common.union(["title", "branch", "until"])
        case .holdExpired: common.union(["title"])
        case .dueSoon, .overdue: common.union(["loans", "due"])
        case .membershipExpiring: common.union(["end", "fee"])
        case .pinReset: common.union(["link", "valid_until"])
        case .welcome: common.union(["card", "end", "branch"])
        case .recommendations: common.union(["titles", "tips_url"])
        case .activityRegistered: common.union(["title", "when", "place", "status", "activity_url", "cancel_url"])
        case .activityConfirm: common.union(["title", "when", "place", "status", "activity_url", "confirm_url", "confirm_by"])
        case .activityPromoted, .activityReminder: common.union(["title", "when", "place", "activity_url", "cancel_url"])
        case .activityCancelled, .appointmentCancelled: common.union(["title", "when"])
        case .appointmentBooked: common.union(["title", "when", "place", "cancel_url"])
        case .surveyInvitation, .surveyReminder: ["name", "library", "survey", "link", "until"]
        }
    }

    static func defaultTemplate(_ kind: NoticeKind, language: String) -> MessageTemplate {
        let dutch = language != "en"
        let closing = dutch
            ? "Met vriendelijke groet,\n{{library}}\n\nGeen e-mail meer over je leningen en reserveringen? Zet het uit op {{preferences_url}}"
            : "Kind regards,\n{{library}}\n\nNo more e-mail about your loans and holds? Switch it off at {{preferences_url}}"
        let htmlClosing = dutch
            ? "<p>Met vriendelijke groet,<br>{{library}}</p>\n<p style=\"font-size:90%;color:#555\">Geen e-mail meer over je leningen en reserveringen? <a href=\"{{preferences_url}}\">Zet het uit</a>.</p>"
            : "<p>Kind regards,<br>{{library}}</p>\n<p style=\"font-size:90%;color:#555\">No more e-mail about your loans and holds? <a href=\"{{preferences_url}}\">Switch it off</a>.</p>"
        func make(_ subject: String, _ lines: String, _ html: String, closing: String? = nil, htmlClosing: String? = nil) -> MessageTemplate {
            MessageTemplate(subject: subject, text: (dutch ? "Beste {{name}},\n\n" : "Dear {{name}},\n\n") + lines + "\n\n" + (closing ?? "") ,
                            html: (dutch ? "<p>Beste {{name}},</p>\n" : "<p>Dear {{name}},</p>\n") + html + "\n" + (htmlClosing ?? ""))
        }
        if kind.isProgramme { return programmeTemplate(kind, dutch: dutch) }
        if kind.isResearch { return researchTemplate(kind, dutch: dutch) }
        switch (kind, dutch) {
        case (.holdReady, true):
            return make("Je reservering ligt klaar in {{branch}}",
                        "Je reservering ligt voor je klaar:\n\n  {{title}}\n\nJe kunt het ophalen in {{branch}} tot en met {{until}}. Daarna gaat het naar de volgende in de rij.\n\nJe reserveringen: {{account_url}}",
                        "<p>Je reservering ligt voor je klaar:</p>\n<p><strong>{{title}}</strong></p>\n<p>Je kunt het ophalen in {{branch}} tot en met {{until}}. Daarna gaat het naar de volgende in de rij.</p>\n<p><a href=\"{{account_url}}\">Je reserveringen</a></p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.holdReady, false):
            return make("Your hold is ready at {{branch}}",
                        "Your hold is ready for you:\n\n  {{title}}\n\nYou can pick it up at {{branch}} until {{until}}. After that it goes to the next in line.\n\nYour holds: {{account_url}}",
                        "<p>Your hold is ready for you:</p>\n<p><strong>{{title}}</strong></p>\n<p>You can pick it up at {{branch}} until {{until}}. After that it goes to the next in line.</p>\n<p><a href=\"{{account_url}}\">Your holds</a></p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.holdExpired, true):
            return make("Je reservering is verlopen",
                        "Je reservering is verlopen:\n\n  {{title}}\n\nWil je het nog steeds lenen? Reserveer het opnieuw: {{account_url}}",
                        "<p>Je reservering is verlopen:</p>\n<p><strong>{{title}}</strong></p>\n<p>Wil je het nog steeds lenen? <a href=\"{{account_url}}\">Reserveer het opnieuw</a>.</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.holdExpired, false):
            return make("Your hold has ended",
                        "Your hold has ended:\n\n  {{title}}\n\nStill want to borrow it? Place the hold again: {{account_url}}",
                        "<p>Your hold has ended:</p>\n<p><strong>{{title}}</strong></p>\n<p>Still want to borrow it? <a href=\"{{account_url}}\">Place the hold again</a>.</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.dueSoon, true):
            return make("Binnenkort terugbrengen",
                        "Dit moet uiterlijk {{due}} terug:\n\n{{loans}}\n\nVerlengen kan op {{account_url}}, tenzij iemand anders erop wacht.",
                        "<p>Dit moet uiterlijk <strong>{{due}}</strong> terug:</p>\n{{loans}}\n<p><a href=\"{{account_url}}\">Verlengen</a> kan, tenzij iemand anders erop wacht.</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.dueSoon, false):
            return make("Due back soon",
                        "Please bring this back by {{due}}:\n\n{{loans}}\n\nYou can renew at {{account_url}}, unless someone else is waiting for it.",
                        "<p>Please bring this back by <strong>{{due}}</strong>:</p>\n{{loans}}\n<p>You can <a href=\"{{account_url}}\">renew</a>, unless someone else is waiting for it.</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.overdue, true):
            return make("Je hebt iets te laat",
                        "Dit had {{due}} terug moeten zijn:\n\n{{loans}}\n\nBreng het zo snel mogelijk terug, of verleng het op {{account_url}}. Voor elke dag te laat betaal je een boete (jeugdleden niet).",
                        "<p>Dit had <strong>{{due}}</strong> terug moeten zijn:</p>\n{{loans}}\n<p>Breng het zo snel mogelijk terug, of <a href=\"{{account_url}}\">verleng het</a>. Voor elke dag te laat betaal je een boete (jeugdleden niet).</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.overdue, false):
            return make("You have something overdue",
                        "This was due back on {{due}}:\n\n{{loans}}\n\nPlease bring it back soon, or renew it at {{account_url}}. Each day late costs a fine (not for youth members).",
                        "<p>This was due back on <strong>{{due}}</strong>:</p>\n{{loans}}\n<p>Please bring it back soon, or <a href=\"{{account_url}}\">renew it</a>. Each day late costs a fine (not for youth members).</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.membershipExpiring, true):
            return make("Je abonnement loopt bijna af",
                        "Je abonnement loopt af op {{end}}. Verleng het op {{account_url}} of aan de balie ({{fee}} per jaar), dan kun je blijven lenen.",
                        "<p>Je abonnement loopt af op <strong>{{end}}</strong>. <a href=\"{{account_url}}\">Verleng het</a> of kom langs bij de balie ({{fee}} per jaar), dan kun je blijven lenen.</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.membershipExpiring, false):
            return make("Your membership ends soon",
                        "Your membership ends on {{end}}. Renew it at {{account_url}} or at the desk ({{fee}} a year) to keep borrowing.",
                        "<p>Your membership ends on <strong>{{end}}</strong>. <a href=\"{{account_url}}\">Renew it</a> or at the desk ({{fee}} a year) to keep borrowing.</p>",
                        closing: closing, htmlClosing: htmlClosing)
        case (.recommendations, true):
            return make("Leestips van de bibliotheek",
                        "Dit zijn je leestips van deze maand, gekozen uit wat je leent:\n\n{{titles}}\n\nMeer tips en reserveren: {{tips_url}}",
                        "<p>Dit zijn je leestips van deze maand, gekozen uit wat je leent:</p>\n{{titles}}\n<p><a href=\"{{tips_url}}\">Meer tips en reserveren</a></p>",
                        closing: "Met vriendelijke groet,\n{{library}}\n\nGeen leestips meer? Zet ze uit op {{preferences_url}}",
                        htmlClosing: "<p>Met vriendelijke groet,<br>{{library}}</p>\n<p style=\"font-size:90%;color:#555\">Geen leestips meer? <a href=\"{{preferences_url}}\">Zet ze uit</a>.</p>")
        case (.recommendations, false):
            return make("Reading tips from the library",
                        "Here are your reading tips for this month, picked from what you borrow:\n\n{{titles}}\n\nMore tips and holds: {{tips_url}}",
                        "<p>Here are your reading tips for this month, picked from what you borrow:</p>\n{{titles}}\n<p><a href=\"{{tips_url}}\">More tips and holds</a></p>",
                        closing: "Kind regards,\n{{library}}\n\nNo more reading tips? Switch them off at {{preferences_url}}",
                        htmlClosing: "<p>Kind regards,<br>{{library}}</p>\n<p style=\"font-size:90%;color:#555\">No more reading tips? <a href=\"{{preferences_url}}\">Switch them off</a>.</p>")
        case (.pinReset, true):
            return make("Een nieuwe pincode kiezen",
                        "Je vroeg om een nieuwe pincode. Kies er een met deze link (hij werkt tot {{valid_until}}):\n\n{{link}}\n\nHeb je dit niet gevraagd? Dan hoef je niets te doen; je pincode blijft zoals hij is.\n\nMet vriendelijke groet,\n{{library}}",
                        "<p>Je vroeg om een nieuwe pincode. <a href=\"{{link}}\">Kies een nieuwe pincode</a> (de link werkt tot {{valid_until}}).</p>\n<p>Heb je dit niet gevraagd? Dan hoef je niets te doen; je pincode blijft zoals hij is.</p>\n<p>Met vriendelijke groet,<br>{{library}}</p>")
        case (.pinReset, false):
            return make("Choosing a new PIN",
                        "You asked for a new PIN. Choose one with this link (it works until {{valid_until}}):\n\n{{link}}\n\nDid you not ask for this? Then do nothing; your PIN stays as it is.\n\nKind regards,\n{{library}}",
                        "<p>You asked for a new PIN. <a href=\"{{link}}\">Choose a new PIN</a> (the link works until {{valid_until}}).</p>\n<p>Did you not ask for this? Then do nothing; your PIN stays as it is.</p>\n<p>Kind regards,<br>{{library}}</p>")
        case (.welcome, true):
            return make("Welkom bij de bibliotheek",
                        "Welkom als lid van {{library}}! Je pasnummer is\n\n  {{card}}\n\nDaarmee log je in, en je kunt meteen reserveren en e-books lenen. Je abonnement loopt tot en met {{end}}.\n\nKom je voor het eerst naar {{branch}} (of een andere vestiging)? Neem dan een identiteitsbewijs mee: aan de balie kijken we het na en krijg je je bibliotheekpas.\n\nJe account: {{account_url}}\n\nMet vriendelijke groet,\n{{library}}",
                        "<p>Welkom als lid van {{library}}! Je pasnummer is</p>\n<p><strong>{{card}}</strong></p>\n<p>Daarmee log je in, en je kunt meteen reserveren en e-books lenen. Je abonnement loopt tot en met {{end}}.</p>\n<p>Kom je voor het eerst naar {{branch}} (of een andere vestiging)? Neem dan een identiteitsbewijs mee: aan de balie kijken we het na en krijg je je bibliotheekpas.</p>\n<p><a href=\"{{account_url}}\">Je account</a></p>\n<p>Met vriendelijke groet,<br>{{library}}</p>")
        case (.welcome, false):
            return make("Welcome to the library",
                        "Welcome as a member of {{library}}! Your card number is\n\n  {{card}}\n\nSign in with it; you can place holds and borrow e-books straight away. Your membership runs until {{end}}.\n\nComing to {{branch}} (or another branch) for the first time? Bring an identity document: the desk checks it and gives you your library card.\n\nYour account: {{account_url}}\n\nKind regards,\n{{library}}",
                        "<p>Welcome as a member of {{library}}! Your card number is</p>\n<p><strong>{{card}}</strong></p>\n<p>Sign in with it; you can place holds and borrow e-books straight away. Your membership runs until {{end}}.</p>\n<p>Coming to {{branch}} (or another branch) for the first time? Bring an identity document: the desk checks it and gives you your library card.</p>\n<p><a href=\"{{account_url}}\">Your account</a></p>\n<p>Kind regards,<br>{{library}}</p>")
        default:
            return programmeTemplate(kind, dutch: dutch)
        }
    }

    /// Messages about a registration or an appointment: to a member or a guest, so no links to an account.
    /// Subjects never name the activity (a book club, a debt clinic or an LGBTI evening can say more
    /// about a person than they want on a lock screen).
    static func programmeTemplate(_ kind: NoticeKind, dutch: Bool) -> MessageTemplate {
        func make(_ subject: String, _ lines: String, _ html: String) -> MessageTemplate {
            MessageTemplate(subject: subject,
                            text: (dutch ? "Beste {{name}},\n\n" : "Dear {{name}},\n\n") + lines
                                + (dutch ? "\n\nMet vriendelijke groet,\n{{library}}" : "\n\nKind regards,\n{{library}}"),
                            html: (dutch ? "<p>Beste {{name}},</p>\n" : "<p>Dear {{name}},</p>\n") + html
                                + (dutch ? "\n<p>Met vriendelijke groet,<br>{{library}}</p>" : "\n<p>Kind regards,<br>{{library}}</p>"))
        }
        switch (kind, dutch) {
        case (.activityRegistered, true):
            return make("Je aanmelding bij de bibliotheek",
                        "{{status}}\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nMeer informatie: {{activity_url}}\nKun je toch niet? Meld je af, dan krijgt een ander je plaats: {{cancel_url}}",
                        "<p>{{status}}</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p><a href=\"{{activity_url}}\">Meer informatie</a></p>\n<p>Kun je toch niet? <a href=\"{{cancel_url}}\">Meld je af</a>, dan krijgt een ander je plaats.</p>")
        case (.activityRegistered, false):
            return make("Your registration at the library",
                        "{{status}}\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nMore information: {{activity_url}}\nCan't make it after all? Cancel, so someone else gets your place: {{cancel_url}}",
                        "<p>{{status}}</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p><a href=\"{{activity_url}}\">More information</a></p>\n<p>Can't make it after all? <a href=\"{{cancel_url}}\">Cancel</a>, so someone else gets your place.</p>")
        case (.activityConfirm, true):
            return make("Bevestig je aanmelding bij de bibliotheek",
                        "{{status}}\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nBevestig je aanmelding vóór {{confirm_by}}: open deze link en kies 'Bevestigen'.\n{{confirm_url}}\n\nBevestig je niet, dan vervalt de aanmelding en gaan de plaatsen naar een ander. Heb jij je niet aangemeld? Dan hoef je niets te doen.",
                        "<p>{{status}}</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p><a href=\"{{confirm_url}}\">Bevestig je aanmelding</a> vóór {{confirm_by}}.</p>\n<p>Bevestig je niet, dan vervalt de aanmelding en gaan de plaatsen naar een ander. Heb jij je niet aangemeld? Dan hoef je niets te doen.</p>")
        case (.activityConfirm, false):
            return make("Confirm your registration at the library",
                        "{{status}}\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nConfirm your registration before {{confirm_by}}: open this link and choose 'Confirm'.\n{{confirm_url}}\n\nIf you do not confirm, the registration lapses and the places go to someone else. Did you not register? Then you need not do anything.",
                        "<p>{{status}}</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p><a href=\"{{confirm_url}}\">Confirm your registration</a> before {{confirm_by}}.</p>\n<p>If you do not confirm, the registration lapses and the places go to someone else. Did you not register? Then you need not do anything.</p>")
        case (.activityPromoted, true):
            return make("Er is een plaats voor je vrijgekomen",
                        "Er is een plaats vrijgekomen en die is voor jou. Je bent nu aangemeld voor:\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nKun je toch niet? Meld je af: {{cancel_url}}",
                        "<p>Er is een plaats vrijgekomen en die is voor jou. Je bent nu aangemeld voor:</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p>Kun je toch niet? <a href=\"{{cancel_url}}\">Meld je af</a>.</p>")
        case (.activityPromoted, false):
            return make("A place came free for you",
                        "A place came free and it is yours. You are now registered for:\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nCan't make it after all? Cancel: {{cancel_url}}",
                        "<p>A place came free and it is yours. You are now registered for:</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p>Can't make it after all? <a href=\"{{cancel_url}}\">Cancel</a>.</p>")
        case (.activityReminder, true):
            return make("Herinnering: je activiteit in de bibliotheek",
                        "Een herinnering: je bent aangemeld voor\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nMeer informatie: {{activity_url}}\nKun je toch niet? Meld je af, dan krijgt een ander je plaats: {{cancel_url}}",
                        "<p>Een herinnering: je bent aangemeld voor</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p><a href=\"{{activity_url}}\">Meer informatie</a>. Kun je toch niet? <a href=\"{{cancel_url}}\">Meld je af</a>, dan krijgt een ander je plaats.</p>")
        case (.activityReminder, false):
            return make("Reminder: your activity at the library",
                        "A reminder: you are registered for\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nMore information: {{activity_url}}\nCan't make it after all? Cancel, so someone else gets your place: {{cancel_url}}",
                        "<p>A reminder: you are registered for</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p><a href=\"{{activity_url}}\">More information</a>. Can't make it after all? <a href=\"{{cancel_url}}\">Cancel</a>, so someone else gets your place.</p>")
        case (.activityCancelled, true):
            return make("Een activiteit gaat niet door",
                        "Helaas gaat dit niet door:\n\n  {{title}}\n  {{when}}\n\nJe aanmelding is vervallen; betaalde je, dan krijg je het bedrag terug. Excuses voor het ongemak.",
                        "<p>Helaas gaat dit niet door:</p>\n<p><strong>{{title}}</strong><br>{{when}}</p>\n<p>Je aanmelding is vervallen; betaalde je, dan krijg je het bedrag terug. Excuses voor het ongemak.</p>")
        case (.activityCancelled, false):
            return make("An activity is cancelled",
                        "Unfortunately this will not take place:\n\n  {{title}}\n  {{when}}\n\nYour registration has lapsed; if you paid, you get the amount back. We apologise for the inconvenience.",
                        "<p>Unfortunately this will not take place:</p>\n<p><strong>{{title}}</strong><br>{{when}}</p>\n<p>Your registration has lapsed; if you paid, you get the amount back. We apologise for the inconvenience.</p>")
        case (.appointmentCancelled, true):
            return make("Je afspraak op het spreekuur gaat niet door",
                        "Helaas gaat het spreekuur niet door, en daarmee je afspraak:\n\n  {{title}}\n  {{when}}\n\nJe kunt een nieuwe afspraak maken op een ander spreekuur. Excuses voor het ongemak.",
                        "<p>Helaas gaat het spreekuur niet door, en daarmee je afspraak:</p>\n<p><strong>{{title}}</strong><br>{{when}}</p>\n<p>Je kunt een nieuwe afspraak maken op een ander spreekuur. Excuses voor het ongemak.</p>")
        case (.appointmentCancelled, false):
            return make("Your consultation appointment is cancelled",
                        "Unfortunately the consultation hour, and with it your appointment, is cancelled:\n\n  {{title}}\n  {{when}}\n\nYou can book another hour. We apologise for the inconvenience.",
                        "<p>Unfortunately the consultation hour, and with it your appointment, is cancelled:</p>\n<p><strong>{{title}}</strong><br>{{when}}</p>\n<p>You can book another hour. We apologise for the inconvenience.</p>")
        case (.appointmentBooked, true):
            return make("Je afspraak op het spreekuur",
                        "Je afspraak staat:\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nKun je toch niet? Zeg de afspraak af, dan kan een ander komen: {{cancel_url}}",
                        "<p>Je afspraak staat:</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p>Kun je toch niet? <a href=\"{{cancel_url}}\">Zeg de afspraak af</a>, dan kan een ander komen.</p>")
        default:
            return make("Your consultation appointment",
                        "Your appointment is booked:\n\n  {{title}}\n  {{when}}\n  {{place}}\n\nCan't make it after all? Cancel it, so someone else can come: {{cancel_url}}",
                        "<p>Your appointment is booked:</p>\n<p><strong>{{title}}</strong><br>{{when}}<br>{{place}}</p>\n<p>Can't make it after all? <a href=\"{{cancel_url}}\">Cancel it</a>, so someone else can come.</p>")
        }
    }

    /// A survey's invitation and its reminder: to a panel member or an activity's attendee. The subject names the
    /// library, not the survey (an after-activity survey's title can say what someone went to).
    static func researchTemplate(_ kind: NoticeKind, dutch: Bool) -> MessageTemplate {
        let reminder = kind == .surveyReminder
        if dutch {
            let opening = reminder ? "Een tijdje geleden vroegen we je mening. Heb je nog even tijd? Je antwoorden helpen ons de bibliotheek beter te maken."
                : "Wil je ons helpen de bibliotheek beter te maken? We horen graag wat je ervan vindt. Het invullen duurt een paar minuten."
            return MessageTemplate(
                subject: reminder ? "Herinnering: je mening over {{library}}" : "Je mening over {{library}}",
                text: "Beste {{name}},\n\n\(opening)\n\n  {{survey}}\n  {{link}}\n\nDe link is persoonlijk, werkt één keer en tot en met {{until}}. Je antwoorden worden zonder je naam bewaard, tenzij de vragenlijst je zelf vraagt ze aan je account te koppelen.\n\nMet vriendelijke groet,\n{{library}}",
                html: "<p>Beste {{name}},</p>\n<p>\(opening)</p>\n<p><a href=\"{{link}}\">{{survey}}</a></p>\n<p>De link is persoonlijk, werkt één keer en tot en met {{until}}. Je antwoorden worden zonder je naam bewaard, tenzij de vragenlijst je zelf vraagt ze aan je account te koppelen.</p>\n<p>Met vriendelijke groet,<br>{{library}}</p>")
        }
        let opening = reminder ? "A while ago we asked for your opinion. Do you have a moment? Your answers help us make the library better."
            : "Would you help us make the library better? We would like to hear what you think. It takes a few minutes."
        return MessageTemplate(
            subject: reminder ? "Reminder: your opinion of {{library}}" : "Your opinion of {{library}}",
            text: "Dear {{name}},\n\n\(opening)\n\n  {{survey}}\n  {{link}}\n\nThe link is personal, works once and until {{until}}. Your answers are kept without your name, unless the survey itself asks you to link them to your account.\n\nKind regards,\n{{library}}",
            html: "<p>Dear {{name}},</p>\n<p>\(opening)</p>\n<p><a href=\"{{link}}\">{{survey}}</a></p>\n<p>The link is personal, works once and until {{until}}. Your answers are kept without your name, unless the survey itself asks you to link them to your account.</p>\n<p>Kind regards,<br>{{library}}</p>")
    }

    /// The organisation's wording, else the default.
    static func template(_ kind: NoticeKind, language: String, organisation: UUID, on db: any Database) async throws -> MessageTemplate {
        try await MessageTemplates(db, organisationID: organisation).stored(kind: kind, language: language)?.template
            ?? defaultTemplate(kind, language: language)
    }
}

/// Renders an outbox message for sending, or says why it is not to be sent.
struct NoticeComposer {
    let db: any Database
    let baseURL: String
    /// The sender address (the display name is the library's name).
    let from: String

    enum Outcome {
        case send(MailMessage)
        case skip(String)
    }

    var sql: any SQLDatabase { db.sql }

    func compose(_ message: OutboxMessage, now: Date = Date()) async throws -> Outcome {
        guard let organisation = try await Organisation.find(message.organisationID, on: db) else { return .skip("The library no longer exists.") }
        if message.kind.isProgramme { return try await composeProgramme(message, organisation: organisation, now: now) }
        if message.kind.isResearch { return try await composeResearch(message, organisation: organisation, now: now) }
        guard let memberID = message.memberID, let member = try await Member.find(memberID, on: db) else {
            return .skip("The member no longer exists.")
        }
        if message.kind == .pinReset {
            // Written when asked for (the link's token is kept only as a hash), to the address it was asked for; sent as written.
            guard let bodyText = message.bodyText, let subject = message.subject, let recipient = message.recipient else {
                return .skip("The PIN reset message has no text.")
            }
            return .send(MailMessage(from: .init(from, name: organisation.name), to: .init(recipient, name: member.name), subject: subject,
                                     text: bodyText, html: message.bodyHTML, messageID: messageID(message), date: now,
                                     headers: [("Auto-Submitted", "auto-generated")]))
        }
        if message.kind.isServiceNotice, try await !Consents.isOn(.serviceNotices, member: memberID, on: sql) {
            return .skip("The member switched e-mail notices off.")
        }
        if message.kind == .recommendations, try await !Consents.isOn(.recommendations, member: memberID, on: sql) {
            return .skip("The member switched reading tips off.")
        }
        guard let recipient = try await address(of: member) else { return .skip("The member has no e-mail address (nor a guardian with one).") }
        let language = member.language == "en" ? "en" : "nl"
        let lang: Language = language == "en" ? .en : .nl
        let formats = Formats(lang: lang, timeZone: organisation.zone)
        let base = baseURL + "/\(organisation.slug)/mijn"
        var text: [String: String] = [
            "name": member.name, "library": organisation.name, "account_url": base, "preferences_url": base + "/berichten",
        ]
        var html: [String: String] = [:]
        let reference = message.reference.split(separator: ":", maxSplits: 1).map(String.init)
        let key = reference.first ?? "", value = reference.count > 1 ? reference[1] : ""
        switch message.kind {
        case .holdReady, .holdExpired:
            guard key == "hold", let holdID = Int(value), let hold = try await Hold.find(holdID, on: db), hold.memberID == memberID else {
                return .skip("The hold no longer exists.")
            }
            if message.kind == .holdReady {
                guard hold.status == .ready else { return .skip("The hold is no longer waiting to be picked up (\(hold.status.rawValue)).") }
                text["branch"] = try await Branch.find(hold.pickupBranchID, on: db)?.name ?? ""
                text["until"] = hold.readyUntil.flatMap(LocalDate.init(iso:)).map(formats.longDate) ?? ""
            } else {
                guard hold.status == .expired else { return .skip("The hold did not end by expiring (\(hold.status.rawValue)).") }
            }
            text["title"] = try await Title.find(hold.titleID, on: db)?.title ?? ""
        case .dueSoon, .overdue:
            guard let due = LocalDate(iso: value) else { return .skip("No due date in the notice.") }
            let titles = try await sql.raw("""
                SELECT t.title FROM loans l JOIN titles t ON t.id = l.title_id
                WHERE l.member_id = \(bind: memberID) AND l.open = \(bind: true) AND l.due_on = \(bind: due.iso) ORDER BY t.title
                """).all().map { try $0.decode(column: "title", as: String.self) }
            guard !titles.isEmpty else { return .skip("Nothing is due on that day any more (returned or renewed).") }
            text["due"] = formats.longDate(due)
            text["loans"] = titles.map { "  - \($0)" }.joined(separator: "\n")
            html["loans"] = "<ul>\n" + titles.map { "<li>\(MessageTemplate.escape($0))</li>" }.joined(separator: "\n") + "\n</ul>"
        case .pinReset:
            return .skip("A PIN reset is sent as it was written.")
        case .surveyInvitation, .surveyReminder:
            return .skip("Composed by composeResearch.")
        case .activityRegistered, .activityConfirm, .activityPromoted, .activityReminder, .activityCancelled, .appointmentBooked, .appointmentCancelled:
            return .skip("Composed by composeProgramme.")
        case .recommendations:
            let tips = try await Recommendations(db, organisationID: organisation.id!).suggestions(for: memberID, now: now, limit: 5)
            let all = (tips?.alsoBorrowed ?? []) + (tips?.new ?? [])
            guard !all.isEmpty else { return .skip("Nothing to suggest this month.") }
            let lines = all.map { tip in tip.author.map { "\(tip.title) – \($0)" } ?? tip.title }
            text["titles"] = lines.map { "  - \($0)" }.joined(separator: "\n")
            html["titles"] = "<ul>\n" + all.map { tip in
                "<li><a href=\"\(baseURL)/\(organisation.slug)/catalogus/\(tip.titleID)\">\(MessageTemplate.escape(tip.title))</a>"
                    + (tip.author.map { " – " + MessageTemplate.escape($0) } ?? "") + "</li>"
            }.joined(separator: "\n") + "\n</ul>"
            text["tips_url"] = base + "/tips"
        case .welcome:
            guard let card = try await MemberDirectory(db, organisationID: organisation.id!).cards(of: memberID).first(where: { $0.status == .active }) else {
                return .skip("The member has no card in use.")
            }
            text["card"] = card.barcode
            text["end"] = formats.dateWithYear(member.membershipEnd)
            text["branch"] = try await Branch.find(member.homeBranchID, on: db)?.name ?? organisation.name
        case .membershipExpiring:
            guard let end = LocalDate(iso: value), member.membershipEnd == end else { return .skip("The membership was renewed.") }
            let type = try await MembershipType.find(member.membershipTypeID, on: db)
            let fee = type.map { Membership.fee(yearlyCents: $0.yearlyFeeCents, birthDate: member.birthDate, on: end) } ?? 0
            text["end"] = formats.dateWithYear(end)
            text["fee"] = Money.text(fee)
        }
        for (name, value) in text where html[name] == nil { html[name] = MessageTemplate.escape(value) }
        let template = try await Notices.template(message.kind, language: language, organisation: organisation.id!, on: db)
        let rendered = template.render(text: text, html: html)
        return .send(MailMessage(from: .init(from, name: organisation.name), to: recipient, subject: rendered.subject,
                                 text: rendered.text, html: rendered.html, messageID: messageID(message), date: now,
                                 headers: [("Auto-Submitted", "auto-generated")]))
    }

    /// A survey's invitation or reminder: written when put in (the link's token is kept only as a hash), sent as
    /// written while the invitation is open — not once answered, expired, its wave closed, or the person left the panel.
    func composeResearch(_ message: OutboxMessage, organisation: Organisation, now: Date) async throws -> Outcome {
        guard message.reference.hasPrefix("invitation:"), let text = message.bodyText, let subject = message.subject, let recipient = message.recipient,
              let row = try await sql.raw("""
                SELECT i.answered, i.expires_at, w.status FROM research_invitations i JOIN research_waves w ON w.id = i.wave_id
                WHERE i.token_hash = \(bind: String(message.reference.dropFirst("invitation:".count)))
                """).first() else { return .skip("The invitation no longer exists.") }
        guard try !row.decode(column: "answered", as: Bool.self) else { return .skip("The survey was answered.") }
        guard try row.decode(column: "expires_at", as: Date.self) > now, try row.decode(column: "status", as: String.self) == "open" else {
            return .skip("The survey is closed.")
        }
        return .send(MailMessage(from: .init(from, name: organisation.name), to: .init(recipient), subject: subject, text: text,
                                 html: message.bodyHTML, messageID: messageID(message), date: now, headers: [("Auto-Submitted", "auto-generated")]))
    }

    /// A message about a registration or an appointment, to the member (or
    /// their guardian) or to the guest's address, from the facts as they are now.
    func composeProgramme(_ message: OutboxMessage, organisation: Organisation, now: Date) async throws -> Outcome {
        let parts = message.reference.split(separator: ":").map(String.init)
        guard parts.count >= 2, let id = Int(parts[1]) else { return .skip("No registration or appointment in the notice.") }
        let orgID = organisation.id!
        var name: String?, address: String?, language = "nl"
        var text: [String: String] = ["library": organisation.name]
        let site = baseURL + "/\(organisation.slug)"
        func recipient(member: UUID?, guestName: String?, guestEmail: String?, guestLanguage: String) async throws {
            if let member, let record = try await Member.find(member, on: db) {
                name = record.name
                language = record.language == "en" ? "en" : "nl"
                address = try await self.address(of: record)?.email
            } else {
                name = guestName
                address = guestEmail
                language = guestLanguage
            }
        }
        let formats = { Formats(lang: language == "en" ? .en : .nl, timeZone: organisation.zone) }
        switch parts[0] {
        case "registration":
            let registrations = Registrations(db, organisationID: orgID)
            guard let registration = try await registrations.registration(id),
                  let listing = try await Programme(db, organisationID: orgID, timeZone: organisation.zone).listing(registration.activityID) else {
                return .skip("The registration no longer exists.")
            }
            try await recipient(member: registration.memberID, guestName: registration.guestName, guestEmail: registration.guestEmail,
                                guestLanguage: registration.language)
            let activity = listing.activity
            switch message.kind {
            case .activityRegistered:
                guard registration.status == .registered || registration.status == .waiting else { return .skip("The registration was cancelled.") }
            case .activityConfirm:
                guard registration.isProvisional, registration.status == .registered || registration.status == .waiting,
                      let deadline = registration.confirmBy, deadline > now else {
                    return .skip("Confirmed, cancelled or lapsed already.")
                }
            case .activityPromoted:
                guard registration.status == .registered else { return .skip("No longer registered.") }
            case .activityReminder:
                guard registration.status == .registered, activity.status == .published else { return .skip("No longer registered, or the activity was cancelled.") }
            default:
                break
            }
            var sessions = listing.sessions.map(\.range)
            if message.kind == .activityReminder {
                guard parts.count >= 3, let sessionID = Int(parts[2]), let session = listing.sessions.first(where: { $0.id == sessionID }) else {
                    return .skip("The session no longer exists.")
                }
                guard session.range.start > now else { return .skip("The session has begun.") }
                sessions = [session.range]
            }
            let f = formats()
            text["title"] = activity.title
            text["when"] = sessions.map(f.range).joined(separator: "\n  ")
            text["place"] = try await place(space: activity.spaceID, venue: activity.venueID, branch: activity.branchID, organisation: orgID)
            text["activity_url"] = site + "/agenda/\(activity.id)"
            text["cancel_url"] = registration.token.map { site + "/afmelden/\($0)" } ?? site + "/agenda"
            text["confirm_url"] = registration.token.map { site + "/aanmelding/\($0)" } ?? site + "/agenda"
            text["confirm_by"] = registration.confirmBy.map(f.moment) ?? ""
            text["status"] = Locales.text(registration.status == .waiting ? "notice_status_waiting" : "notice_status_registered",
                                          language == "en" ? .en : .nl, count: registration.places)
        case "appointment":
            let hours = ConsultationHours(db, organisationID: orgID, timeZone: organisation.zone)
            guard let appointment = try await hours.appointment(id), let hour = try await hours.hour(appointment.hourID) else {
                return .skip("The appointment no longer exists.")
            }
            if message.kind == .appointmentBooked, appointment.status != "booked" { return .skip("The appointment was cancelled.") }
            try await recipient(member: appointment.memberID, guestName: appointment.name, guestEmail: appointment.email, guestLanguage: appointment.language)
            let partner = try await Partner.find(hour.partnerID, on: db)?.name ?? ""
            let f = formats()
            text["title"] = partner.isEmpty ? hour.title : "\(hour.title) (\(partner))"
            let slotEnd = appointment.slotStart.addingTimeInterval(Double(hour.slotMinutes ?? 0) * 60)
            text["when"] = f.range(TimeRange(start: appointment.slotStart, end: slotEnd))
            text["place"] = try await place(space: hour.spaceID, venue: nil, branch: hour.branchID, organisation: orgID)
            text["cancel_url"] = appointment.token.map { site + "/afspraak-afzeggen/\($0)" } ?? site
        default:
            return .skip("Unknown reference.")
        }
        guard let address, let to = Validate.email(address) else { return .skip("No e-mail address (any more).") }
        text["name"] = name ?? ""
        text["account_url"] = site + "/mijn"
        text["preferences_url"] = site + "/mijn/berichten"
        var html: [String: String] = [:]
        for (key, value) in text { html[key] = MessageTemplate.escape(value).replacingOccurrences(of: "\n  ", with: "<br>") }
        let template = try await Notices.template(message.kind, language: language, organisation: orgID, on: db)
        let rendered = template.render(text: text, html: html)
        return .send(MailMessage(from: .init(from, name: organisation.name), to: .init(to, name: name ?? ""), subject: rendered.subject,
                                 text: rendered.text, html: rendered.html, messageID: messageID(message), date: now,
                                 headers: [("Auto-Submitted", "auto-generated")]))
    }

    /// Where a member's mail goes: their own address, or for a youth member without one their parent or guardian's.
    func address(of member: Member) async throws -> MailMessage.Address? {
        if let email = member.email { return MailMessage.Address(email, name: member.name) }
        guard let guardianID = member.guardianID, let guardian = try await Member.find(guardianID, on: db), let email = guardian.email else { return nil }
        return MailMessage.Address(email, name: guardian.name)
    }

    /// "Zaal, Centrale Bibliotheek, Oudegracht 167, Utrecht" or the external venue's name and address.
    func place(space: UUID?, venue: UUID?, branch: UUID, organisation: UUID) async throws -> String {
        if let venue, let found = try await Programme(db, organisationID: organisation, timeZone: .current).venue(venue) {
            return "\(found.name), \(found.address)"
        }
        guard let record = try await Branch.find(branch, on: db) else { return "" }
        var parts: [String] = []
        if let space, let room = try await Space.find(space, on: db) { parts.append(room.name) }
        parts.append(record.name)
        let street = [record.street, record.city].filter { !$0.isEmpty }.joined(separator: ", ")
        if !street.isEmpty { parts.append(street) }
        return parts.joined(separator: ", ")
    }

    /// One Message-ID per outbox message: a receiving system that sees it twice may drop the second.
    func messageID(_ message: OutboxMessage) -> String {
        "\(message.id).\(message.kind.rawValue)@\(from.split(separator: "@").last.map(String.init) ?? "bieb.localhost")"
    }
}
