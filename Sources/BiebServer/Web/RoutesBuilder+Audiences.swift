import Vapor

/// Where each audience's pages hang, with what they need: a session
/// cookie, who is signed in, a CSRF token on every form, and — for the
/// signed-in parts — the sign-in page for whoever is not.
extension RoutesBuilder {
    /// `/staff/…`. With `signedIn` (the default) an account of staff is
    /// required; without, the sign-in pages themselves.
    func staffPages(signedIn: Bool = true) -> any RoutesBuilder {
        let staff = grouped("staff").grouped(StaffSessionsMiddleware()).grouped(SessionAuthenticator()).grouped(CSRFMiddleware())
        return signedIn ? staff.grouped(RequireStaffPage()) : staff
    }

    /// An organisation's public pages (`/{org}`, its branches, catalogue, lists, agenda): anyone reads
    /// them; a session cookie, when a visitor has one, tells the header who is signed in. Forms that act
    /// for a signed-in member check the form token themselves.
    func publicPages() -> any RoutesBuilder {
        grouped(StaffSessionsMiddleware()).grouped(MemberSessionAuthenticator())
    }

    /// `/{org}/mijn/…`, a member's own pages. With `signedIn` (the
    /// default) a signed-in member is required; without, the sign-in pages.
    func memberPages(signedIn: Bool = true) -> any RoutesBuilder {
        let mine = grouped(StaffSessionsMiddleware()).grouped(MemberSessionAuthenticator()).grouped(CSRFMiddleware()).grouped(":org", "mijn")
        return signedIn ? mine.grouped(RequireMemberPage()) : mine
    }
}
