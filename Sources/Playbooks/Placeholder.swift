public enum PlaybooksPlaceholder {}
