import Foundation
import Vapor

/// What every page's layout needs: language, texts, title, the signed-in
/// account, the CSRF token for forms, and the URL of the same page in the
/// other language.
struct PageContext: Encodable {
    let lang: String
    let t: [String: String]
    let title: String
    let path: String
    let otherLang: String
    let otherLangName: String
    let otherLangURL: String
    let user: UserSummary?
    let csrf: String?
    let flash: String?
    /// The member pages of the organisation of this page (signed in or not).
    var member: MemberLink?

    struct MemberLink: Encodable {
        /// The signed-in member's name; nil: not signed in.
        let name: String?
        let accountURL: String
        let signOutURL: String
        let signInURL: String
    }

    struct UserSummary: Encodable {
        let name: String
        let role: String
        let organisation: String
        let isAdmin: Bool
    }

    init(_ request: Request, lang: Language, title: String, user: UserSummary? = nil, csrf: String? = nil, flash: String? = nil) {
        self.lang = lang.rawValue
        self.t = Locales.table(lang)
        self.title = title
        self.path = request.url.path
        let other: Language = lang == .nl ? .en : .nl
        self.otherLang = other.rawValue
        self.otherLangName = other == .nl ? "Nederlands" : "English"
        var components = URLComponents()
        components.path = request.url.path
        var items = (URLComponents(string: request.url.string)?.queryItems ?? []).filter { $0.name != "lang" }
        items.append(URLQueryItem(name: "lang", value: other.rawValue))
        components.queryItems = items
        self.otherLangURL = components.string ?? "?lang=\(other.rawValue)"
        self.user = user
        self.csrf = csrf
        self.flash = flash
    }
}

extension Response {
    /// Remembers an explicit `?lang=` choice in a cookie so following pages keep it.
    func rememberLanguage(from request: Request) {
        if let query = request.query[String.self, at: "lang"], let lang = Language(rawValue: query.lowercased()) {
            cookies["lang"] = HTTPCookies.Value(string: lang.rawValue, maxAge: 365 * 86400, path: "/",
                                                isSecure: request.bieb.secureCookies, isHTTPOnly: true, sameSite: .lax)
        }
    }
}
