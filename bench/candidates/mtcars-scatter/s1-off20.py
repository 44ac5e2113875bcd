# mtcars-scatter: candidate 'off20' (seed 1) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    3.75, 3.6, 2.84, 2.18, 3.87, 2.6, 2.74, 4.35, 4.07, 2.46,
    4.13, 3.5, 2.96, 4.6, 4.56, 6.09, 6.39, 1.46, 2.13, 2.61,
    2.07, 4.57, 4.38, 3.2, 3.24, 1.38, 1.62, 0.948, 4.2, 1.9,
    4.01, 3.73,
]
mpg = [
    17.9, 16.3, 29.1, 28.3, 25.4, 21.6, 20, 27.5, 17.1, 25.6,
    14.7, 19.6, 13.6, 19.3, 16, 14.8, 12, 27.1, 32.9, 30.2,
    25.1, 22.1, 17.7, 19.7, 14.1, 31.4, 21.2, 35.3, 9.38, 25.6,
    19.5, 24.7,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
