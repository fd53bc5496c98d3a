import Foundation
import Vapor
import BiebCore
import BiebStore

/// A guest registering themself, from the agenda page or the public API:
/// rate-limited per client address and per activity (`PublicWrites`), and
/// provisional until the link in the mail is used (`Registrations`), so a
/// stranger can neither empty an activity nor mail someone over and over.
/// Appointments without an account are rate-limited per address too.
enum GuestRegistrations {
    static func register(_ req: Request, organisation: Organisation, activity: UUID, name: String?, email: String?, places: Int,
                         language: String) async throws -> Registration {
        let writes = PublicWrites(req)
        try await writes.allow(.guestRegistrationsPerAddress)
        try await writes.allow(.guestRegistrationsPerActivityAndAddress, key: activity.uuidString + ":" + writes.client)
        try await writes.allow(.guestRegistrationsPerActivity, key: activity.uuidString)
        return try await Registrations(req.db, organisationID: organisation.id!).register(
            for: activity, RegistrationRequest(name: name, email: email, places: places, language: language, provisional: true))
    }

    static func bookAppointment(_ req: Request, organisation: Organisation, hour: UUID, slot: Date, name: String?, email: String?,
                                question: String, language: String) async throws -> Appointment {
        try await PublicWrites(req).allow(.guestAppointmentsPerAddress)
        return try await ConsultationHours(req.db, organisationID: organisation.id!, timeZone: organisation.zone).book(
            hour: hour, slot: slot, member: nil, name: name, email: email, question: question, language: language)
    }
}
