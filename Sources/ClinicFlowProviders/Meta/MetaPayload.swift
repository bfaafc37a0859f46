/// Meta's WhatsApp Cloud API webhook body (`object` / `entry[]` / `changes[]` / `value`).
/// 360dialog forwards the same body for Cloud API numbers.
struct MetaWebhook: Decodable {
    var object: String
    var entry: [Entry]

    struct Entry: Decodable {
        var id: String
        var changes: [Change]
    }

    struct Change: Decodable {
        var field: String
        var value: Value
    }

    struct Value: Decodable {
        var messaging_product: String?
        var metadata: Metadata?
        var contacts: [Contact]?
        var messages: [Message]?
        var statuses: [Status]?
    }

    struct Metadata: Decodable {
        var display_phone_number: String?
        var phone_number_id: String?
    }

    struct Contact: Decodable {
        var wa_id: String?
        var profile: Profile?

        struct Profile: Decodable { var name: String? }
    }

    struct Message: Decodable {
        var from: String
        var id: String
        var timestamp: String?
        var type: String?
        var text: Text?
        var image: Media?
        var video: Media?
        var document: Media?
        var audio: Media?
        var sticker: Media?
        var button: Button?
        var interactive: Interactive?
        var reaction: Reaction?
        var location: Location?
        var referral: Referral?

        struct Text: Decodable { var body: String? }
        struct Media: Decodable { var caption: String? }
        struct Button: Decodable { var text: String? }
        struct Reaction: Decodable { var emoji: String? }
        struct Location: Decodable { var name: String?; var address: String? }

        struct Interactive: Decodable {
            var button_reply: Reply?
            var list_reply: Reply?
            struct Reply: Decodable { var title: String? }
        }

        struct Referral: Decodable {
            var source_url: String?
            var source_type: String?
            var source_id: String?
            var headline: String?
        }
    }

    struct Status: Decodable {
        var id: String
        var status: String
        var timestamp: String?
        var recipient_id: String?
        var conversation: Conversation?
        var errors: [StatusError]?

        struct Conversation: Decodable { var expiration_timestamp: String? }
        struct StatusError: Decodable {
            var code: LenientString?
            var title: String?
        }
    }
}

/// The parts of a Meta webhook that identify it, and every field the full `MetaWebhook` requires:
/// decoded on the request path instead of the whole body (about half the cost), so a body missing
/// what normalising needs is still refused with its path. The optional fields are read when the
/// stored delivery is normalised.
struct MetaWebhookIdentity: Decodable {
    var object: String
    var entry: [Entry]

    struct Entry: Decodable {
        var id: String
        var changes: [Change]
    }

    struct Change: Decodable {
        var field: String
        var value: Value
    }

    struct Value: Decodable {
        var messages: [Message]?
        var statuses: [Status]?
    }

    struct Message: Decodable {
        var from: String
        var id: String
    }

    struct Status: Decodable {
        var id: String
        var status: String
    }

    /// As `MetaNormalizer.ids(in:)` for the full body.
    var ids: [String] {
        entry.flatMap(\.changes).flatMap { change in
            (change.value.messages ?? []).map(\.id) + (change.value.statuses ?? []).map { MetaNormalizer.statusKey($0.id, $0.status) }
        }
    }
}
