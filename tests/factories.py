"""Factories for plain reference data. Business state (roles, …) is built through the real services."""

import factory

from servicecenter.models import Company, Hall, User, Window


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"co{n}")
    name = factory.Sequence(lambda n: f"第{n}燃气公司")


class HallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hall

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"hall{n}")
    name = factory.Sequence(lambda n: f"第{n}客服中心")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    hall = factory.SubFactory(HallFactory)
    number = factory.Sequence(lambda n: n + 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"员工{n}")
    staff_number = factory.Sequence(lambda n: f"S{n:05d}")
    password = factory.PostGenerationMethodCall("set_password", "Secret-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
