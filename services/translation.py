from modeltranslation.translator import TranslationOptions, register

from .models import Charter, Expectation, GrsTier, Office, Officer, Service


@register(Office)
class OfficeTranslation(TranslationOptions):
    fields = ("name", "address")
    required_languages = ("bn",)


@register(Officer)
class OfficerTranslation(TranslationOptions):
    fields = ("designation", "name", "office_code")
    required_languages = {"bn": ("designation",)}


@register(Charter)
class CharterTranslation(TranslationOptions):
    fields = ("title", "government", "vision", "mission")
    required_languages = ("bn",)


@register(Expectation)
class ExpectationTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = ("bn",)


@register(GrsTier)
class GrsTierTranslation(TranslationOptions):
    fields = ("when_to_contact", "contact_role", "contact_address")
    required_languages = ("bn",)


@register(Service)
class ServiceTranslation(TranslationOptions):
    fields = (
        "name",
        "delivery_method",
        "required_documents",
        "documents_source",
        "fee_payment_method",
        "fee_text",
        "time_limit_text",
    )
    required_languages = {
        "bn": ("name", "delivery_method", "required_documents", "fee_text", "time_limit_text")
    }
