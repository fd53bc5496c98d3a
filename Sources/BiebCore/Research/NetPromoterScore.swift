import Foundation

/// The Net Promoter Score of a set of answers to "How likely is it that you
/// would recommend the library to a friend?" (0–10): promoters answer 9 or
/// 10, passives 7 or 8, detractors 0 to 6; the score is the share of
/// promoters minus the share of detractors, in points from −100 to 100.
///
/// Its 95 % confidence interval treats each answer as +1 (promoter), 0
/// (passive) or −1 (detractor): the score is their mean, and its standard
/// error the standard deviation of those values over √n. With fewer than
/// `minimumAnswers` answers no score is given: a handful of answers says
/// nothing (and could point at a person).
public struct NetPromoterScore: Sendable, Equatable {
    public static let minimumAnswers = 5
    /// z for a two-sided 95 % interval.
    static let z95 = 1.959963984540054

    public let promoters: Int
    public let passives: Int
    public let detractors: Int

    public init(promoters: Int, passives: Int, detractors: Int) {
        (self.promoters, self.passives, self.detractors) = (promoters, passives, detractors)
    }

    /// From the answers themselves (0–10; anything else is not an answer and is left out).
    public init(answers: [Int]) {
        var counts = (0, 0, 0)
        for answer in answers where (0...10).contains(answer) {
            switch answer {
            case 9...10: counts.0 += 1
            case 7...8: counts.1 += 1
            default: counts.2 += 1
            }
        }
        self.init(promoters: counts.0, passives: counts.1, detractors: counts.2)
    }

    public var n: Int { promoters + passives + detractors }

    /// Promoters', passives' and detractors' shares in per cent.
    public var shares: (promoters: Double, passives: Double, detractors: Double)? {
        guard n > 0 else { return nil }
        let total = Double(n)
        return (Double(promoters) * 100 / total, Double(passives) * 100 / total, Double(detractors) * 100 / total)
    }

    /// The score (−100…100), or nil under `minimumAnswers`.
    public var score: Double? {
        guard n >= Self.minimumAnswers else { return nil }
        return Double(promoters - detractors) * 100 / Double(n)
    }

    /// The 95 % confidence interval of the score, clipped to −100…100; nil under `minimumAnswers`.
    public var interval: ClosedRange<Double>? {
        guard let score, n >= Self.minimumAnswers else { return nil }
        let total = Double(n), mean = score / 100
        let p = Double(promoters) / total, d = Double(detractors) / total, o = Double(passives) / total
        let variance = p * (1 - mean) * (1 - mean) + o * mean * mean + d * (-1 - mean) * (-1 - mean)
        let margin = Self.z95 * (variance / total).squareRoot() * 100
        return max(-100, score - margin)...min(100, score + margin)
    }
}
