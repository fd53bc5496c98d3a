import Foundation
import Testing
@testable import BiebCore

@Suite struct FeeNoteTests {
    let date: (LocalDate) -> String = { "\($0.day)/\($0.month)/\($0.year)" }

    @Test func biebsOwnNotesInEnglish() {
        #expect(FeeNote.words(FeeNote.overdue(title: "De avonden", days: 7), english: true, date: date) == "De avonden: 7 days late")
        #expect(FeeNote.words(FeeNote.overdue(title: "De avonden", days: 1), english: true, date: date) == "De avonden: 1 day late")
        #expect(FeeNote.words(FeeNote.lost(title: "Max Havelaar", barcode: "B12"), english: true, date: date) == "Max Havelaar (B12) lost")
        #expect(FeeNote.words(FeeNote.found(title: "Max Havelaar"), english: true, date: date) == "Max Havelaar found again")
        #expect(FeeNote.words(FeeNote.cancelledRegistration(activity: "Lezing"), english: true, date: date) == "Cancelled: Lezing")
        #expect(FeeNote.words("pin", english: true, date: date) == "debit card")
        #expect(FeeNote.words("kiosk pin BK-1", english: true, date: date) == "kiosk debit card BK-1")
        #expect(FeeNote.words("kas", english: true, date: date) == "cash")
        // Dutch pages keep the notes as written; a title with a colon does not confuse the reading.
        #expect(FeeNote.words(FeeNote.overdue(title: "Lezen: een gids", days: 3), english: false, date: date) == "Lezen: een gids: 3 dagen te laat")
        #expect(FeeNote.words(FeeNote.overdue(title: "Lezen: een gids", days: 3), english: true, date: date) == "Lezen: een gids: 3 days late")
    }

    @Test func membershipDatesAreWrittenOutInBothLanguages() {
        let note = FeeNote.membership(type: "Volledig", from: LocalDate(iso: "2026-12-03")!, through: LocalDate(iso: "2027-12-02")!)
        #expect(note == "Volledig 2026-12-03 – 2027-12-02")   // the ledger keeps it like this
        #expect(FeeNote.words(note, english: false, date: date) == "Volledig 3/12/2026 – 2/12/2027")
        #expect(FeeNote.words(note, english: true, date: date) == "Volledig 3/12/2026 – 2/12/2027")
    }

    @Test func notesStaffTypedStayAsTyped() {
        for note in ["Hoesje beschadigd", "pinpas vergeten", "Boek kwijt (verloren)", "kassa"] {
            #expect(FeeNote.words(note, english: true, date: date) == note)
        }
    }

    @Test func holidaysBiebAddedAreSaidInEnglish() {
        let christmas = LocalDate(iso: "2026-12-25")!, eve = LocalDate(iso: "2026-12-24")!
        #expect(DutchHolidays.english(reason: "Eerste Kerstdag", on: christmas) == "Christmas Day")
        #expect(DutchHolidays.english(reason: "Kerstavond: vroeg dicht", on: eve) == "Christmas Eve: closing early")
        // Staff's own reason, or a holiday's name on another day, is not Bieb's holiday.
        #expect(DutchHolidays.english(reason: "Onderhoud", on: christmas) == nil)
        #expect(DutchHolidays.english(reason: "Eerste Kerstdag", on: eve) == nil)
        // What `exceptions(in:for:)` writes is what is read back.
        let schedule = WeeklySchedule(periods: Weekday.allCases.map { WeeklyPeriod($0, LocalTime("10:00")!, LocalTime("18:00")!, .staffed) })
        for exception in DutchHolidays.exceptions(in: 2026, for: schedule) {
            #expect(DutchHolidays.english(reason: exception.reason, on: exception.startDate) != nil, "\(exception.reason)")
        }
    }

    /// One list of payment methods: the member's sentence and the English note read the same prefixes.
    @Test func paymentMethodsAreReadFromTheNotesBiebWrites() {
        #expect(FeeNote.PaymentMethod.of(note: "kas") == .cash)
        #expect(FeeNote.PaymentMethod.of(note: "pin") == .card)
        #expect(FeeNote.PaymentMethod.of(note: "kiosk pin BK-03") == .kioskCard)
        #expect(FeeNote.PaymentMethod.of(note: "kiosk contant BK-03") == .kioskCash)
        #expect(FeeNote.PaymentMethod.of(note: FeeNote.onlinePayment(provider: "mollie")) == .online)
        // A word that merely begins like a method is not one.
        #expect(FeeNote.PaymentMethod.of(note: "pinda's gemorst") == nil)
        #expect(FeeNote.PaymentMethod.of(note: "kasboek") == nil)
        #expect(FeeNote.words("kiosk pin BK-03", english: true, date: { $0.iso }) == "kiosk debit card BK-03")
        #expect(FeeNote.words("pin", english: true, date: { $0.iso }) == "debit card")
        #expect(FeeNote.words("pin", english: false, date: { $0.iso }) == "pin")
    }
}
