from modeltranslation.translator import TranslationOptions, register

from .models import Holiday


@register(Holiday)
class HolidayTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("bn",)
