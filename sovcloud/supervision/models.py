"""Notifications to users (order transitions, expiry reminders)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sovcloud.db import Base, IdMixin


class Notification(IdMixin, Base):
    """A message for one user, shown in the portal and the API until read."""

    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))  #: order, resource
    subject_id: Mapped[uuid.UUID] = mapped_column()
    message: Mapped[str] = mapped_column(String(1000))
    read_at: Mapped[datetime | None] = mapped_column()
