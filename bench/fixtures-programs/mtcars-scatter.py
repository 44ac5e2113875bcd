# mtcars: fuel economy (mpg) against weight (1000 lbs) of 32 cars (ggplot2 scatter), 800x600
import matplotlib.pyplot as plt

cars = ['Mazda RX4', 'Mazda RX4 Wag', 'Datsun 710', 'Hornet 4 Drive', 'Hornet Sportabout', 'Valiant', 'Duster 360',
        'Merc 240D', 'Merc 230', 'Merc 280', 'Merc 280C', 'Merc 450SE', 'Merc 450SL', 'Merc 450SLC',
        'Cadillac Fleetwood', 'Lincoln Continental', 'Chrysler Imperial', 'Fiat 128', 'Honda Civic',
        'Toyota Corolla', 'Toyota Corona', 'Dodge Challenger', 'AMC Javelin', 'Camaro Z28', 'Pontiac Firebird',
        'Fiat X1-9', 'Porsche 914-2', 'Lotus Europa', 'Ford Pantera L', 'Ferrari Dino', 'Maserati Bora', 'Volvo 142E']
wt = [2.62, 2.875, 2.32, 3.215, 3.44, 3.46, 3.57, 3.19, 3.15, 3.44, 3.44, 4.07, 3.73, 3.78, 5.25, 5.424, 5.345,
      2.2, 1.615, 1.835, 2.465, 3.52, 3.435, 3.84, 3.845, 1.935, 2.14, 1.513, 3.17, 2.77, 3.57, 2.78]
mpg = [21.0, 21.0, 22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3, 15.2, 10.4, 10.4, 14.7,
       32.4, 30.4, 33.9, 21.5, 15.5, 15.2, 13.3, 19.2, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4]

fig = plt.figure(figsize=(8, 6), dpi=100)
# panel in pixels: x 50..792, y 35..554
ax = fig.add_axes([50 / 800, 1 - 554 / 600, 742 / 800, 519 / 600])
ax.set_facecolor('#ebebeb')
for s in ax.spines.values():
    s.set_visible(False)
ax.scatter(wt, mpg, s=6.8 ** 2, color='darkred', linewidths=0, zorder=3)
ax.set_xlim(1.3232, 5.6162)
ax.set_ylim(9.2574, 34.9505)
ax.set_xticks([2, 3, 4, 5])
ax.set_xticks([1.5, 2.5, 3.5, 4.5, 5.5], minor=True)
ax.set_yticks([10, 15, 20, 25, 30, 35])
ax.set_yticks([12.5, 17.5, 22.5, 27.5, 32.5], minor=True)
ax.grid(True, which='major', color='white', linewidth=1.0, zorder=0)
ax.grid(True, which='minor', color='white', linewidth=0.5, zorder=0)
ax.set_axisbelow(True)
ax.tick_params(which='major', length=3, width=0.8, color='#333333', labelsize=8.8, labelcolor='#4d4d4d', pad=2.5)
ax.tick_params(which='minor', length=0)
ax.set_xlabel('Weight (1000 lbs)', fontsize=11, labelpad=1.5)
ax.set_ylabel('Miles per gallon', fontsize=11, labelpad=1.5)
ax.set_title('Fuel economy vs weight', fontsize=13.2, loc='left', pad=10)
