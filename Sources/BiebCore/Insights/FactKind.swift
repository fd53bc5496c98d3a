import Foundation

/// What happened, as statistics keep it.
public enum FactKind: String, CaseIterable, Codable, Sendable {
    case loan
    case renewal
    case `return`
    case memberJoined = "member_joined"
    case membershipRenewed = "membership_renewed"
    /// A member let in by the door with their card (SIP2 or the door endpoint): counted, never who.
    case visit
    /// A membership that ran out without being renewed (on its last day), from the daily census (`InsightCensus`).
    case membershipEnded = "membership_ended"
    /// People through a branch's entrance: a people counter's day (mode "counted" or "estimated") or staff's count ("manual").
    case visitorCount = "visitor_count"
    /// A session of an activity that took place (facts with the activity's core function, kind, form and audience).
    case activitySession = "activity_session"
    /// Places registered for a session that took place.
    case activityRegistration = "activity_registration"
    /// People who took part in a session: registrations checked in, or staff's head count where nobody registers.
    case activityParticipant = "activity_participant"
    /// Places registered for a session but not checked in (only where attendance was taken).
    case activityNoShow = "activity_no_show"
}
