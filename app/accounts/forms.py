"""Shapes of the account forms (the complaint form is ComplaintCreate, in the models)."""

from pydantic import EmailStr, ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from app.accounts import passwords
from app.accounts.service import MIN_PASSWORD_LENGTH


class SignupForm(SQLModel):
    email: EmailStr = Field(max_length=254)
    display_name: str = Field(min_length=2, max_length=60)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=passwords.MAX_LENGTH)

    @field_validator("display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return " ".join(value.split()) if isinstance(value, str) else value

    @field_validator("password")
    @classmethod
    def _not_common(cls, value: str, info: ValidationInfo) -> str:
        # Fields validate in order, so the email and name (when valid) are known here.
        problem = passwords.problem(
            value,
            email=str(info.data.get("email") or ""),
            display_name=str(info.data.get("display_name") or ""),
        )
        if problem:
            raise ValueError(problem)
        return value
