"""``exactjson``: Django's JSON fixtures, but times keep their microseconds.

Django's JSON encoder cuts times to milliseconds (ECMA-262); a backup must give back the
timeline's "when" exactly as recorded. Registered in ``SERIALIZATION_MODULES``.
"""

import datetime

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer

__all__ = ["Deserializer", "Serializer"]


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactEncoder
