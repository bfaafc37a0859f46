import ClinicFlowDomain
import Foundation

/// Payloads of the assistant's timeline events.
public enum AssistantEvents {
    public struct StageChanged: Codable, Sendable, Equatable {
        public var conversationID: UUID
        public var from: AssistantStage?
        public var to: AssistantStage
        public var generator: String
    }

    public struct HandedOff: Codable, Sendable, Equatable {
        public var conversationID: UUID
        public var leadID: UUID?
        public var reason: String
        public var summary: String
    }

    public struct TakeoverChanged: Codable, Sendable, Equatable {
        public var conversationID: UUID
        public var humanTakeover: Bool
        public var by: UUID?

        public init(conversationID: UUID, humanTakeover: Bool, by: UUID?) {
            self.conversationID = conversationID
            self.humanTakeover = humanTakeover
            self.by = by
        }
    }

    public struct ConsentRecorded: Codable, Sendable, Equatable {
        public var kind: String
        public var source: String
        public var channelID: UUID?
        public var cancelledMessages: Int
    }
}
