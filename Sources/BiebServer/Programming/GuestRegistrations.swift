import Foundation
import Vapor
import BiebCore
import BiebStore

/// A guest registering themself, from the agenda page or the public API:
/// rate-limited per client address and per activity (`PublicWrites`; a
/// registration refused for what it said does not count), and provisional
/// until the link in the mail is used (`Registrations`), so a stranger can
/// neither empty an activity nor mail someone over and over. Appointments
/// without an account are rate-limited per address too.
enum GuestRegistrations {
    static func register(_ req: Request, organisation: Organisation, activity: UUID, name: String?, email: String?, places: Int,
                         language: String, researchConsent: Bool = false) async throws -> Registration {
        let writes = PublicWrites(req)
        return try await writes.counting([(.guestRegistrationsPerAddress, nil),
                                          (.guestRegistrationsPerActivityAndAddress, activity.uuidString + ":" + writes.client),
                                          (.guestRegistrationsPerActivity, activity.uuidString)]) {
            try await Registrations(req.db, organisationID: organisation.id!).register(
                for: activity, RegistrationRequest(name: name, email: email, places: places, language: language, provisional: true,
                                                  researchConsent: researchConsent))
        }
    }

    static func bookAppointment(_ req: Request, organisation: Organisation, hour: UUID, slot: Date, name: String?, email: String?,
                                question: String, language: String) async throws -> Appointment {
        try await PublicWrites(req).counting([(.guestAppointmentsPerAddress, nil)]) {
            try await ConsultationHours(req.db, organisationID: organisation.id!, timeZone: organisation.zone).book(
                hour: hour, slot: slot, member: nil, name: name, email: email, question: question, language: language)
        }
    }
}
