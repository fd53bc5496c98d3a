import Foundation

/// What a branch leans towards, from the profile of the neighbourhood it
/// serves: "where people ask for development and education, the branch gets
/// a social focus; where they want art and culture, a cultural one".
public enum BranchFocus: String, Sendable, Codable, CaseIterable {
    /// Basic skills, language, help with the digital government, social partners.
    case social
    /// Study places, homework help, courses, schools.
    case education
    /// Art, debate, exhibitions, performances.
    case culture
    /// Reading promotion: young children and their parents, reading clubs.
    case reading
    /// A meeting place for the neighbourhood: communities, consultation hours.
    case meeting

    public func name(english: Bool) -> String {
        switch self {
        case .social: english ? "Social" : "Sociaal"
        case .education: english ? "Education" : "Educatie"
        case .culture: english ? "Culture" : "Cultuur"
        case .reading: english ? "Reading" : "Lezen"
        case .meeting: english ? "Meeting" : "Ontmoeting"
        }
    }
}
