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
    /// A session's participants once for each of its activity's themes (`topic` the theme): for a breakdown by theme,
    /// never added up (an activity with two themes counts in both).
    case activityThemeParticipant = "activity_theme_participant"
    /// Use of a digital resource in a month (dated the month's last day): `topic` the platform, `mode` the metric
    /// (COUNTER's Metric_Type or a plain report's), `quantity` the count (`DigitalUse`).
    case digitalUse = "digital_use"
    /// Bookings of study places held on the day (confirmed; at the study area's branch).
    case studyBooking = "study_booking"
    /// Places staff found occupied when they counted the study places (`mode` the hour of the count, "14:00").
    case studyOccupied = "study_occupied"
    /// The study places there were at such a count: divided into `studyOccupied`, the occupancy at counting moments.
    case studyPlacesCounted = "study_places_counted"
    /// A partner's consultation hour held (`topic` the partner).
    case consultationHour = "consultation_hour"
    /// An appointment booked at a consultation hour held that day (`topic` the partner); walk-ins are not known.
    case consultationAppointment = "consultation_appointment"
    /// Searches in the catalogue (`mode` "portal" or "api"): counts only, never what or who.
    case catalogueSearch = "catalogue_search"
    /// A place registered for a reading programme (summer reading), on the programme's last day, with the member's
    /// pseudonym of that year (`SummerReading`).
    case readingParticipant = "reading_participant"
    /// A place checked in at a reading programme's last session: the child finished.
    case readingFinisher = "reading_finisher"
    /// A member's first loan, renewal or return of the calendar year (once a year per pseudonym, with the age band then):
    /// summed from 1 January, the distinct active members, read from the roll-ups instead of counting pseudonyms.
    case activeMember = "active_member"

    /// What makes a member active in a year.
    public static let borrowing: Set<FactKind> = [.loan, .renewal, .return]
}

/// Which metrics of a digital resource's report count as *use* — the
/// indicator "digital use" and the annual report's line. COUNTER Release 5
/// defines `Total_Item_Requests` as every time content was retrieved in full
/// (an article read, a chapter downloaded, an issue of a newspaper opened,
/// a track played); investigations and searches are not use. A provider
/// without COUNTER names its own metric in a plain CSV; `uses` (or the Dutch
/// `gebruik`) counts as use, anything else is kept and shown but not counted.
public enum DigitalUseMetric {
    /// The metrics, as they are stored, that count as use.
    public static let uses: Set<String> = ["Total_Item_Requests", "uses"]

    /// The metric as it is stored: COUNTER's names as written; a plain report's "use", "uses", "gebruik" as "uses".
    public static func normalised(_ metric: String) -> String {
        let trimmed = metric.trimmingCharacters(in: .whitespaces)
        return ["use", "uses", "gebruik"].contains(trimmed.lowercased()) ? "uses" : trimmed
    }

    public static func countsAsUse(_ metric: String) -> Bool { uses.contains(normalised(metric)) }
}
