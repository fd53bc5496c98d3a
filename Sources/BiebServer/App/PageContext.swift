import Foundation
import Vapor
import BiebStore

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
        /// A member of this organisation is signed in (the header offers the account and signing out).
        let signedIn: Bool
        let accountURL: String
        let signOutURL: String
        let signInURL: String
        /// Joining online, for a visitor who is not signed in.
        let joinURL: String
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

extension PageContext {
    /// The context of a page of an organisation's public or member side, with the one header
    /// every such page has: the member's account and "sign out" when a member of `org` is signed in,
    /// "sign in" when not. A visitor without a session cookie gets no form token and no flash,
    /// so nothing is stored per page view; a member's or staff's session gives both, and so does
    /// `session` (the member pages: their forms need a token).
    static func organisation(_ req: Request, _ org: Organisation, title: String, session: Bool = false) -> PageContext {
        let lang = Language.of(req)
        var page: PageContext
        if session || req.cookies[req.application.sessions.configuration.cookieName] != nil {
            page = PageContext(req, lang: lang, title: title, csrf: CSRFMiddleware.token(for: req), flash: req.session.data["member_flash"])
            req.session.data["member_flash"] = nil
        } else {
            page = PageContext(req, lang: lang, title: title)
        }
        let portal = MemberPortalPages.base(org)
        page.member = MemberLink(signedIn: req.auth.get(SignedInMember.self).map { $0.organisationID == org.id } ?? false,
                                 accountURL: portal, signOutURL: portal + "/uitloggen", signInURL: portal + "/inloggen",
                                 joinURL: "/\(org.slug)/lid-worden")
        return page
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
