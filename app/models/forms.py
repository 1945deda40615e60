"""Shapes of the account forms (the complaint form is ComplaintCreate)."""

from pydantic import EmailStr, field_validator
from sqlmodel import Field, SQLModel

from app.accounts.service import MIN_PASSWORD_LENGTH


class SignupForm(SQLModel):
    email: EmailStr = Field(max_length=254)
    display_name: str = Field(min_length=2, max_length=60)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)

    @field_validator("display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return " ".join(value.split()) if isinstance(value, str) else value
